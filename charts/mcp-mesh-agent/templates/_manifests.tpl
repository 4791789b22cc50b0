{{/* Every object of one agent. Takes a context with .Values, .Release and .Chart. */}}
{{- define "mcp-mesh-agent.manifests" -}}
{{- include "mcp-mesh-agent.validate" . -}}
{{- $v := .Values -}}
{{- $a := $v.agent -}}
{{- $ns := .Release.Namespace -}}
{{- $config := include "mcp-mesh-agent.config" . -}}
{{- $replicas := ternary (int $v.autoscaling.minReplicas) (int $v.replicaCount) (and $v.autoscaling.enabled true) -}}
{{- $longest := int (include "mcp-mesh-agent.longestCall" .) -}}
{{- $drain := min $longest 30 -}}
{{- if not (kindIs "invalid" $a.drainTimeout) }}{{ $drain = int $a.drainTimeout }}{{ end -}}
{{- $checksumInput := $config -}}
{{- if $a.source }}{{ $checksumInput = printf "%s\x00main.py\x00%s" $config $a.source }}{{ end -}}
{{- $podIp := eq $a.advertise "pod-ip" -}}
{{- $istio := eq $v.serviceMesh "istio" -}}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  {{- with $v.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  labels:
    {{- include "mcp-mesh-agent.objectLabels" . | nindent 4 }}
  name: {{ $a.name | quote }}
  namespace: {{ $ns | quote }}
automountServiceAccountToken: false
---
apiVersion: v1
kind: Service
metadata:
  labels:
    {{- include "mcp-mesh-agent.objectLabels" . | nindent 4 }}
  name: {{ $a.name | quote }}
  namespace: {{ $ns | quote }}
spec:
  ports:
    - appProtocol: http
      name: http
      port: {{ $a.port }}
      protocol: TCP
      targetPort: http
  selector:
    {{- include "mcp-mesh-agent.selectorLabels" . | nindent 4 }}
  type: ClusterIP
{{- if or $podIp $a.headlessService }}
---
apiVersion: v1
kind: Service
metadata:
  labels:
    {{- include "mcp-mesh-agent.objectLabels" . | nindent 4 }}
  name: {{ $a.name }}-pods
  namespace: {{ $ns | quote }}
spec:
  clusterIP: None
  ports:
    - appProtocol: http
      name: http
      port: {{ $a.port }}
      protocol: TCP
      targetPort: http
  selector:
    {{- include "mcp-mesh-agent.selectorLabels" . | nindent 4 }}
{{- end }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    {{- include "mcp-mesh-agent.objectLabels" . | nindent 4 }}
  name: {{ $a.name }}-config
  namespace: {{ $ns | quote }}
data:
  agent-config.yaml: |
    {{- $config | trimSuffix "\n" | nindent 4 }}
{{- if $a.source }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    {{- include "mcp-mesh-agent.objectLabels" . | nindent 4 }}
  name: {{ $a.name }}-code
  namespace: {{ $ns | quote }}
data:
  main.py: {{ $a.source | toJson }}
{{- end }}
{{- if $v.ingress.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  annotations:
    nginx.ingress.kubernetes.io/proxy-buffering: "off"
    nginx.ingress.kubernetes.io/proxy-read-timeout: {{ $longest | toString | quote }}
    nginx.ingress.kubernetes.io/proxy-send-timeout: {{ $longest | toString | quote }}
  labels:
    {{- include "mcp-mesh-agent.objectLabels" . | nindent 4 }}
  name: {{ $a.name | quote }}
  namespace: {{ $ns | quote }}
spec:
  ingressClassName: {{ $v.ingress.className | quote }}
  rules:
    - host: {{ $v.ingress.host | quote }}
      http:
        paths:
          - backend:
              service:
                name: {{ $a.name | quote }}
                port:
                  name: http
            path: {{ $v.ingress.path | quote }}
            pathType: Prefix
  {{- if $v.ingress.tlsSecretName }}
  tls:
    - hosts:
        - {{ $v.ingress.host | quote }}
      secretName: {{ $v.ingress.tlsSecretName | quote }}
  {{- end }}
{{- end }}
{{- if $v.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  labels:
    {{- include "mcp-mesh-agent.objectLabels" . | nindent 4 }}
  name: {{ $a.name | quote }}
  namespace: {{ $ns | quote }}
spec:
  maxReplicas: {{ $v.autoscaling.maxReplicas }}
  metrics:
    - resource:
        name: cpu
        target:
          averageUtilization: {{ $v.autoscaling.targetCPUUtilizationPercentage }}
          type: Utilization
      type: Resource
  minReplicas: {{ $v.autoscaling.minReplicas }}
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $a.name | quote }}
{{- end }}
{{- if gt $replicas 1 }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  labels:
    {{- include "mcp-mesh-agent.objectLabels" . | nindent 4 }}
  name: {{ $a.name | quote }}
  namespace: {{ $ns | quote }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      {{- include "mcp-mesh-agent.selectorLabels" . | nindent 6 }}
{{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    {{- include "mcp-mesh-agent.objectLabels" . | nindent 4 }}
  name: {{ $a.name | quote }}
  namespace: {{ $ns | quote }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "mcp-mesh-agent.selectorLabels" . | nindent 6 }}
  strategy:
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
    type: RollingUpdate
  template:
    metadata:
      annotations:
        mesh.mcp.io/config-checksum: {{ sha256sum $checksumInput }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- if $istio }}
        proxy.istio.io/config: {{ printf "{\"holdApplicationUntilProxyStarts\":true,\"terminationDrainDuration\":\"%ds\"}" (add (int $a.preStopDelay) $drain) | squote }}
        {{- end }}
      labels:
        {{- include "mcp-mesh-agent.labels" . | nindent 8 }}
        {{- range $a.capabilities }}
        provides.mesh.mcp.io/{{ .name }}: "true"
        {{- end }}
        {{- range $a.dependencies }}
        calls.mesh.mcp.io/{{ .name }}: "true"
        {{- end }}
        {{- if $istio }}
        sidecar.istio.io/inject: "true"
        {{- end }}
    spec:
      automountServiceAccountToken: false
      containers:
        - args:
            - {{ ternary "/opt/mcp-mesh/agent/main.py" (default "main.py" $a.script) (ne $a.source "") | quote }}
            {{- range $a.args }}
            - {{ . | quote }}
            {{- end }}
          env:
            - name: HOST
              value: "0.0.0.0"
            {{- if $podIp }}
            - name: MCP_MESH_HTTP_HOST
              valueFrom:
                fieldRef:
                  apiVersion: v1
                  fieldPath: status.podIP
            {{- else }}
            - name: MCP_MESH_HTTP_HOST
              value: {{ printf "%s.%s.svc.%s" $a.name $ns $v.mesh.clusterDomain }}
            {{- end }}
            - name: MCP_MESH_HTTP_PORT
              value: {{ $a.port | toString | quote }}
            - name: MCP_MESH_REGISTRY_URL
              value: {{ include "mcp-mesh-agent.registryUrl" . }}
            - name: MCP_MESH_AGENT_NAME
              value: {{ $a.name | quote }}
            - name: MCP_MESH_AGENT_ID
              valueFrom:
                fieldRef:
                  apiVersion: v1
                  fieldPath: metadata.name
            - name: POD_IP
              valueFrom:
                fieldRef:
                  apiVersion: v1
                  fieldPath: status.podIP
            - name: MCP_MESH_HEALTH_INTERVAL
              value: {{ $a.heartbeatInterval | toString | quote }}
            - name: MCP_MESH_LOG_LEVEL
              value: {{ $a.logLevel }}
            {{- if not (kindIs "invalid" $a.callTimeout) }}
            - name: MCP_MESH_CALL_TIMEOUT
              value: {{ $a.callTimeout | toString | quote }}
            {{- end }}
            {{- range $v.env }}
            - name: {{ .name | quote }}
              value: {{ .value | toJson }}
            {{- end }}
            {{- range $v.secretEnv }}
            - name: {{ .name | quote }}
              valueFrom:
                secretKeyRef:
                  key: {{ .key | quote }}
                  name: {{ .secretName | quote }}
            {{- end }}
          image: {{ printf "%s:%s" $v.image.repository (toString $v.image.tag) | quote }}
          imagePullPolicy: IfNotPresent
          {{- if gt (int $a.preStopDelay) 0 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ int $a.preStopDelay }}
          {{- end }}
          livenessProbe:
            failureThreshold: 3
            httpGet:
              path: /livez
              port: http
              scheme: HTTP
            periodSeconds: 10
            successThreshold: 1
            timeoutSeconds: 3
          name: agent
          ports:
            - containerPort: {{ $a.port }}
              name: http
              protocol: TCP
          readinessProbe:
            failureThreshold: 3
            httpGet:
              path: /ready
              port: http
              scheme: HTTP
            periodSeconds: 5
            successThreshold: 1
            timeoutSeconds: 3
          resources:
            {{- with $v.resources.limits }}
            limits:
              {{- range $k, $q := . }}
              {{- if not (kindIs "invalid" $q) }}
              {{ $k }}: {{ $q | toString | quote }}
              {{- end }}
              {{- end }}
            {{- end }}
            requests:
              {{- range $k, $q := $v.resources.requests }}
              {{- if not (kindIs "invalid" $q) }}
              {{ $k }}: {{ $q | toString | quote }}
              {{- end }}
              {{- end }}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop:
                - ALL
            privileged: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
          startupProbe:
            failureThreshold: 60
            httpGet:
              path: /startupz
              port: http
              scheme: HTTP
            periodSeconds: 2
            successThreshold: 1
            timeoutSeconds: 2
          volumeMounts:
            - mountPath: /etc/mcp-mesh
              name: config
              readOnly: true
            - mountPath: /tmp
              name: tmp
            {{- if $a.source }}
            - mountPath: /opt/mcp-mesh/agent
              name: source
              readOnly: true
            {{- end }}
      enableServiceLinks: false
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        fsGroup: 999
        fsGroupChangePolicy: OnRootMismatch
        runAsGroup: 999
        runAsNonRoot: true
        runAsUser: 999
        seccompProfile:
          type: RuntimeDefault
      serviceAccountName: {{ $a.name | quote }}
      terminationGracePeriodSeconds: {{ add (int $a.preStopDelay) $drain 5 }}
      {{- with $v.tolerations }}
      tolerations:
        {{- range . }}
        - {{- if hasKey . "effect" }}
          effect: {{ .effect }}
          {{- end }}
          {{- if hasKey . "key" }}
          key: {{ .key | quote }}
          {{- end }}
          operator: {{ .operator | default "Equal" }}
          {{- if hasKey . "tolerationSeconds" }}
          tolerationSeconds: {{ int .tolerationSeconds }}
          {{- end }}
          {{- if .value }}
          value: {{ .value | quote }}
          {{- end }}
        {{- end }}
      {{- end }}
      {{- if gt $replicas 1 }}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - podAffinityTerm:
                labelSelector:
                  matchLabels:
                    {{- include "mcp-mesh-agent.selectorLabels" . | nindent 20 }}
                topologyKey: kubernetes.io/hostname
              weight: 100
      topologySpreadConstraints:
        - labelSelector:
            matchLabels:
              {{- include "mcp-mesh-agent.selectorLabels" . | nindent 14 }}
          maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
        - labelSelector:
            matchLabels:
              {{- include "mcp-mesh-agent.selectorLabels" . | nindent 14 }}
          maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
      {{- end }}
      volumes:
        - configMap:
            name: {{ $a.name }}-config
          name: config
        - emptyDir:
            sizeLimit: 256Mi
          name: tmp
        {{- if $a.source }}
        - configMap:
            name: {{ $a.name }}-code
          name: source
        {{- end }}
{{- if $v.networkPolicy.enabled }}
{{ include "mcp-mesh-agent.networkPolicy" . }}
{{- end }}
{{- if $istio }}
{{ include "mcp-mesh-agent.istio" (dict "root" . "longest" $longest) }}
{{- end }}
{{ end -}}

{{/*
The agent's NetworkPolicy. It depends only on this release's values: callers are admitted by the
calls.mesh.mcp.io/<capability> label of each capability it provides, providers reached by the
provides.mesh.mcp.io/<capability> label of each dependency, so releases installed apart compose into the
graph-derived policy the McpMesh construct renders for the whole mesh.
*/}}
{{- define "mcp-mesh-agent.networkPolicy" -}}
{{- $v := .Values -}}
{{- $a := $v.agent -}}
{{- $ports := dict -}}
{{- range $a.dependencies -}}
{{- $p := printf "%05d" (int (default 8080 .port)) -}}
{{- $_ := set $ports $p (append (get $ports $p | default list) .name) -}}
{{- end -}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    app.kubernetes.io/instance: {{ $v.mesh.name | quote }}
    app.kubernetes.io/managed-by: {{ .Release.Service }}
    app.kubernetes.io/part-of: mcp-mesh
    helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
  name: {{ $a.name | quote }}
  namespace: {{ .Release.Namespace | quote }}
spec:
  egress:
    - ports:
        - port: {{ $v.registry.port }}
          protocol: TCP
      to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/component: registry
              app.kubernetes.io/instance: {{ $v.mesh.name | quote }}
              app.kubernetes.io/name: {{ $v.registry.host | quote }}
    {{- if eq $v.serviceMesh "istio" }}
    - ports:
        - port: 15012
          protocol: TCP
      to:
        {{- toYaml (list (include "mcp-mesh-agent.peer" ($v.istio.controlPlane | default (dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" "istio-system")) "podSelector" (dict "matchLabels" (dict "app" "istiod")))) | fromJson)) | nindent 8 }}
    {{- end }}
    {{- range $p := keys $ports | sortAlpha }}
    - ports:
        - port: {{ atoi $p }}
          protocol: TCP
      to:
        {{- range get $ports $p }}
        - podSelector:
            matchLabels:
              app.kubernetes.io/component: agent
              app.kubernetes.io/instance: {{ $v.mesh.name | quote }}
              provides.mesh.mcp.io/{{ . }}: "true"
        {{- end }}
    {{- end }}
    {{- if $v.networkPolicy.internetEgress }}
    {{- $v4 := list -}}{{- $v6 := list -}}
    {{- range $v.networkPolicy.clusterCidrs }}{{ if contains ":" . }}{{ $v6 = append $v6 . }}{{ else }}{{ $v4 = append $v4 . }}{{ end }}{{ end }}
    - ports:
        - port: 443
          protocol: TCP
      to:
        - ipBlock:
            cidr: 0.0.0.0/0
            {{- if $v4 }}
            except:
              {{- range $v4 }}
              - {{ . }}
              {{- end }}
            {{- end }}
        {{- if $v6 }}
        - ipBlock:
            cidr: ::/0
            except:
              {{- range $v6 }}
              - {{ . | quote }}
              {{- end }}
        {{- end }}
    {{- end }}
  {{- $controller := $v.networkPolicy.ingressController | default dict }}
  {{- $fromController := and $v.ingress.enabled (or $controller.namespaceSelector $controller.podSelector) }}
  {{- if or $a.capabilities $fromController }}
  ingress:
    {{- if $a.capabilities }}
    - from:
        {{- range $a.capabilities }}
        - podSelector:
            matchLabels:
              app.kubernetes.io/component: agent
              app.kubernetes.io/instance: {{ $v.mesh.name | quote }}
              calls.mesh.mcp.io/{{ .name }}: "true"
        {{- end }}
      ports:
        - port: {{ $a.port }}
          protocol: TCP
    {{- end }}
    {{- if $fromController }}
    - from:
        {{- toYaml (list (include "mcp-mesh-agent.peer" $controller | fromJson)) | nindent 8 }}
      ports:
        - port: {{ $a.port }}
          protocol: TCP
    {{- end }}
  {{- end }}
  podSelector:
    matchLabels:
      {{- include "mcp-mesh-agent.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
{{ end -}}

{{/* A NetworkPolicy peer, as JSON, from {namespaceSelector, podSelector}: pods of this namespace when only podSelector. */}}
{{- define "mcp-mesh-agent.peer" -}}
{{- $peer := dict -}}
{{- with .namespaceSelector }}{{ $_ := set $peer "namespaceSelector" . }}{{ end -}}
{{- if or .podSelector (not .namespaceSelector) }}{{ $_ := set $peer "podSelector" (.podSelector | default (dict "matchLabels" dict)) }}{{ end -}}
{{- toJson $peer -}}
{{- end -}}

{{/*
Istio (serviceMesh: istio): the agent's DestinationRule and VirtualService, and authorization that composes
across releases. Istio admits a call to a workload when any ALLOW policy selecting it matches, so each release
writes the policies of the calls it makes: one per dependency, selecting the pods that provide it
(provides.mesh.mcp.io/<capability>) and admitting this agent's identity on the providers' port, and one
admitting it to the registry. The agent's own policy admits only the ingress controller (when exposed); with it,
a workload no release calls admits no one. Together they allow exactly the calls the McpMesh construct's
per-workload policies allow.
*/}}
{{- define "mcp-mesh-agent.istio" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $a := $v.agent -}}
{{- $ns := $root.Release.Namespace -}}
{{- $t := $v.traffic | default dict -}}
{{- $timeout := ternary $t.timeout .longest (hasKey $t "timeout") | int -}}
{{- $retries := ternary $t.retries 2 (hasKey $t "retries") | int -}}
{{- $host := printf "%s.%s.svc.%s" $a.name $ns $v.mesh.clusterDomain -}}
{{- $me := printf "%s/ns/%s/sa/%s" $v.istio.trustDomain $ns $a.name -}}
{{- $labels := include "mcp-mesh-agent.policyLabels" $root -}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  labels:
    {{- $labels | nindent 4 }}
  name: {{ $a.name | quote }}
  namespace: {{ $ns | quote }}
spec:
  host: {{ $host }}
  trafficPolicy:
    connectionPool:
      http:
        http1MaxPendingRequests: {{ ternary $t.maxPendingRequests 100 (hasKey $t "maxPendingRequests") | int }}
      tcp:
        maxConnections: {{ ternary $t.maxConnections 100 (hasKey $t "maxConnections") | int }}
    outlierDetection:
      baseEjectionTime: "{{ ternary $t.baseEjectionTime 30 (hasKey $t "baseEjectionTime") | int }}s"
      consecutive5xxErrors: {{ ternary $t.consecutiveErrors 5 (hasKey $t "consecutiveErrors") | int }}
      interval: 10s
      maxEjectionPercent: {{ ternary $t.maxEjectionPercent 50 (hasKey $t "maxEjectionPercent") | int }}
    tls:
      mode: ISTIO_MUTUAL
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  labels:
    {{- $labels | nindent 4 }}
  name: {{ $a.name | quote }}
  namespace: {{ $ns | quote }}
spec:
  hosts:
    - {{ $host }}
  http:
    - route:
        - destination:
            host: {{ $host }}
            port:
              number: {{ $a.port }}
      timeout: "{{ $timeout }}s"
      {{- if gt $retries 0 }}
      retries:
        attempts: {{ $retries }}
        perTryTimeout: "{{ $timeout }}s"
        retryOn: connect-failure,refused-stream
      {{- else }}
      retries:
        attempts: 0
      {{- end }}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  labels:
    {{- $labels | nindent 4 }}
  name: {{ $a.name | quote }}
  namespace: {{ $ns | quote }}
spec:
  action: ALLOW
  {{- $sa := $v.istio.ingressServiceAccount }}
  {{- $controllerNs := dig "namespaceSelector" "matchLabels" "kubernetes.io/metadata.name" "" ($v.networkPolicy.ingressController | default dict) }}
  {{- if not $v.ingress.enabled }}
  rules: []
  {{- else if $sa.name }}
  rules:
    - from:
        - source:
            principals:
              - {{ printf "%s/ns/%s/sa/%s" $v.istio.trustDomain $sa.namespace $sa.name }}
      to:
        - operation:
            ports:
              - {{ $a.port | toString | quote }}
  {{- else }}
  rules:
    - from:
        - source:
            namespaces:
              - {{ $controllerNs }}
      to:
        - operation:
            ports:
              - {{ $a.port | toString | quote }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "mcp-mesh-agent.selectorLabels" $root | nindent 6 }}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  labels:
    {{- $labels | nindent 4 }}
  name: {{ $a.name }}.registry
  namespace: {{ $ns | quote }}
spec:
  action: ALLOW
  rules:
    - from:
        - source:
            principals:
              - {{ $me }}
      to:
        - operation:
            ports:
              - {{ $v.registry.port | toString | quote }}
  selector:
    matchLabels:
      app.kubernetes.io/component: registry
      app.kubernetes.io/instance: {{ $v.mesh.name | quote }}
      app.kubernetes.io/name: {{ $v.registry.host | quote }}
{{- $used := dict }}
{{- range $a.dependencies }}
{{- $base := regexReplaceAll "[^a-z0-9]" (lower .name) "-" }}
{{- $name := $base }}
{{- range $n := untilStep 2 200 1 }}{{ if hasKey $used $name }}{{ $name = printf "%s-%d" $base $n }}{{ end }}{{ end }}
{{- $_ := set $used $name true }}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  labels:
    {{- $labels | nindent 4 }}
  name: {{ $a.name }}.calls.{{ $name }}
  namespace: {{ $ns | quote }}
spec:
  action: ALLOW
  rules:
    - from:
        - source:
            principals:
              - {{ $me }}
      to:
        - operation:
            ports:
              - {{ (default 8080 .port) | toString | quote }}
  selector:
    matchLabels:
      app.kubernetes.io/component: agent
      app.kubernetes.io/instance: {{ $v.mesh.name | quote }}
      provides.mesh.mcp.io/{{ .name }}: "true"
{{- end }}
{{ end -}}

{{- define "mcp-mesh-agent.policyLabels" -}}
app.kubernetes.io/instance: {{ .Values.mesh.name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mcp-mesh
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}
