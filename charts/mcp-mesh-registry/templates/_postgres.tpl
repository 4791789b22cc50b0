{{/* The in-cluster PostgreSQL (storage.type=postgres-in-cluster), as the PostgresDatabase construct renders it. */}}
{{- define "mcp-mesh-registry.postgres" -}}
{{- $v := .root.Values -}}
{{- $db := $v.storage.postgresInCluster -}}
{{- $ns := .root.Release.Namespace -}}
{{- $name := .name -}}
{{- $selector := dict "app.kubernetes.io/component" "database" "app.kubernetes.io/instance" $v.mesh.name "app.kubernetes.io/name" $name -}}
{{- $labels := merge (dict "app.kubernetes.io/managed-by" .root.Release.Service "app.kubernetes.io/part-of" "mcp-mesh") $selector -}}
{{- if regexMatch "^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$" (toString $db.image.tag) }}{{ $_ := set $labels "app.kubernetes.io/version" (toString $db.image.tag) }}{{ end -}}
{{- $objectLabels := merge (dict "helm.sh/chart" (printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_")) $labels -}}
{{- $ready := list "pg_isready" "--host" "127.0.0.1" "--port" "5432" -}}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  labels:
    {{- toYaml $objectLabels | nindent 4 }}
  name: {{ $name | quote }}
  namespace: {{ $ns | quote }}
automountServiceAccountToken: false
---
apiVersion: v1
kind: Service
metadata:
  labels:
    {{- toYaml $objectLabels | nindent 4 }}
  name: {{ $name | quote }}
  namespace: {{ $ns | quote }}
spec:
  ports:
    - name: postgres
      port: 5432
      protocol: TCP
      targetPort: postgres
  selector:
    {{- toYaml $selector | nindent 4 }}
  type: ClusterIP
---
apiVersion: v1
kind: Service
metadata:
  labels:
    {{- toYaml $objectLabels | nindent 4 }}
  name: {{ $name }}-headless
  namespace: {{ $ns | quote }}
spec:
  clusterIP: None
  ports:
    - name: postgres
      port: 5432
      protocol: TCP
      targetPort: postgres
  publishNotReadyAddresses: true
  selector:
    {{- toYaml $selector | nindent 4 }}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  labels:
    {{- toYaml $objectLabels | nindent 4 }}
  name: {{ $name | quote }}
  namespace: {{ $ns | quote }}
spec:
  persistentVolumeClaimRetentionPolicy:
    whenDeleted: Retain
    whenScaled: Retain
  replicas: 1
  selector:
    matchLabels:
      {{- toYaml $selector | nindent 6 }}
  serviceName: {{ $name }}-headless
  template:
    metadata:
      {{- if .istio }}
      annotations:
        proxy.istio.io/config: '{"holdApplicationUntilProxyStarts":true}'
      {{- end }}
      labels:
        {{- toYaml (ternary (merge (dict "sidecar.istio.io/inject" "true") $labels) $labels .istio) | nindent 8 }}
    spec:
      automountServiceAccountToken: false
      containers:
        - env:
            - name: POSTGRES_USER
              valueFrom:
                secretKeyRef:
                  key: {{ $db.credentialsSecret.usernameKey | quote }}
                  name: {{ $db.credentialsSecret.name | quote }}
            - name: POSTGRES_PASSWORD
              valueFrom:
                secretKeyRef:
                  key: {{ $db.credentialsSecret.passwordKey | quote }}
                  name: {{ $db.credentialsSecret.name | quote }}
            - name: POSTGRES_DB
              value: {{ $db.database | quote }}
            - name: PGDATA
              value: /var/lib/postgresql/data/pgdata
          image: {{ .image | quote }}
          imagePullPolicy: IfNotPresent
          livenessProbe:
            exec:
              command:
                {{- toYaml $ready | nindent 16 }}
            failureThreshold: 6
            periodSeconds: 10
            timeoutSeconds: 5
          name: postgres
          ports:
            - containerPort: 5432
              name: postgres
              protocol: TCP
          readinessProbe:
            exec:
              command:
                {{- toYaml $ready | nindent 16 }}
            failureThreshold: 3
            periodSeconds: 5
            timeoutSeconds: 3
          resources:
            {{- with $db.resources.limits }}
            limits:
              {{- range $k, $q := . }}
              {{- if not (kindIs "invalid" $q) }}
              {{ $k }}: {{ $q | toString | quote }}
              {{- end }}
              {{- end }}
            {{- end }}
            requests:
              {{- range $k, $q := $db.resources.requests }}
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
            exec:
              command:
                {{- toYaml $ready | nindent 16 }}
            failureThreshold: 60
            periodSeconds: 2
            timeoutSeconds: 2
          volumeMounts:
            - mountPath: /var/lib/postgresql/data
              name: data
            - mountPath: /var/run/postgresql
              name: run
            - mountPath: /tmp
              name: tmp
      securityContext:
        fsGroup: 999
        fsGroupChangePolicy: OnRootMismatch
        runAsGroup: 999
        runAsNonRoot: true
        runAsUser: 999
        seccompProfile:
          type: RuntimeDefault
      serviceAccountName: {{ $name | quote }}
      terminationGracePeriodSeconds: 60
      volumes:
        - emptyDir: {}
          name: run
        - emptyDir:
            sizeLimit: 256Mi
          name: tmp
  updateStrategy:
    type: RollingUpdate
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes:
          - ReadWriteOnce
        resources:
          requests:
            storage: {{ $db.size | quote }}
        {{- with $db.storageClassName }}
        storageClassName: {{ . | quote }}
        {{- end }}
{{- if $v.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    {{- include "mcp-mesh-registry.policyLabels" .root | nindent 4 }}
  name: {{ $name | quote }}
  namespace: {{ $ns | quote }}
spec:
  ingress:
    - from:
        - podSelector:
            matchLabels:
              {{- include "mcp-mesh-registry.selectorLabels" .root | nindent 14 }}
      ports:
        - port: 5432
          protocol: TCP
  {{- if .istio }}
  egress:
    - ports:
        - port: 15012
          protocol: TCP
      to:
        {{- toYaml (list (include "mcp-mesh-registry.peer" ($v.istio.controlPlane | default (dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" "istio-system")) "podSelector" (dict "matchLabels" (dict "app" "istiod")))) | fromJson)) | nindent 8 }}
  {{- end }}
  podSelector:
    matchLabels:
      {{- toYaml $selector | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
{{- end }}
{{- if .istio }}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  labels:
    {{- include "mcp-mesh-registry.policyLabels" .root | nindent 4 }}
  name: {{ $name | quote }}
  namespace: {{ $ns | quote }}
spec:
  action: ALLOW
  rules:
    - from:
        - source:
            principals:
              - {{ printf "%s/ns/%s/sa/%s" $v.istio.trustDomain $ns $v.registry.name }}
      to:
        - operation:
            ports:
              - "5432"
  selector:
    matchLabels:
      {{- toYaml $selector | nindent 6 }}
{{- end }}
{{- end -}}
