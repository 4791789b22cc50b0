{{/*
The templates of one agent. Every named template takes a context with .Values (this chart's values) and
.Release, so that the mcp-mesh umbrella chart can render one agent per entry of its `agents` list.
They render what the McpAgent construct renders (test/helm-charts.test.ts holds them to it).
*/}}

{{/* A string as the library's YAML emitter writes it: plain when no YAML parser can read it otherwise, else quoted. */}}
{{- define "mcp-mesh-agent.yamlString" -}}
{{- $s := . -}}
{{- if and (regexMatch "^[A-Za-z_/][A-Za-z0-9_./:=+@ -]*$" $s) (not (regexMatch "(?i)^(true|false|yes|no|on|off|y|n|null|~)$" $s)) (not (hasSuffix " " $s)) (not (hasSuffix ":" $s)) (not (contains ": " $s)) (not (contains " #" $s)) (not (contains "  " $s)) -}}
{{ $s }}
{{- else -}}
{{ $s | quote }}
{{- end -}}
{{- end -}}

{{- define "mcp-mesh-agent.selectorLabels" -}}
app.kubernetes.io/component: agent
app.kubernetes.io/instance: {{ .Values.mesh.name | quote }}
app.kubernetes.io/name: {{ .Values.agent.name | quote }}
{{- end -}}

{{- define "mcp-mesh-agent.labels" -}}
{{ include "mcp-mesh-agent.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mcp-mesh
{{- if regexMatch "^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$" (toString .Values.image.tag) }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
{{- end }}
{{- end -}}

{{- define "mcp-mesh-agent.objectLabels" -}}
{{ include "mcp-mesh-agent.labels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The longest capability timeout (30 s, the capability default, for none). */}}
{{- define "mcp-mesh-agent.longestCall" -}}
{{- $longest := 0 -}}
{{- range .Values.agent.capabilities -}}
{{- $t := int (default 30 .timeout) -}}
{{- if gt $t $longest }}{{ $longest = $t }}{{ end -}}
{{- end -}}
{{- if eq (len .Values.agent.capabilities) 0 }}{{ $longest = 30 }}{{ end -}}
{{- $longest -}}
{{- end -}}

{{- define "mcp-mesh-agent.registryUrl" -}}
http://{{ .Values.registry.host }}.{{ .Release.Namespace }}.svc.{{ .Values.mesh.clusterDomain }}:{{ .Values.registry.port }}
{{- end -}}

{{/* agent-config.yaml, as the construct writes it. */}}
{{- define "mcp-mesh-agent.config" -}}
agent:
  name: {{ include "mcp-mesh-agent.yamlString" .Values.agent.name }}
  http_port: {{ .Values.agent.port }}
  health_interval: {{ .Values.agent.heartbeatInterval }}
  retry_attempts: {{ .Values.agent.retryAttempts }}
registry:
  url: {{ include "mcp-mesh-agent.yamlString" (include "mcp-mesh-agent.registryUrl" .) }}
{{- if .Values.agent.capabilities }}
capabilities:
{{- range .Values.agent.capabilities }}
  - capability: {{ include "mcp-mesh-agent.yamlString" .name }}
    version: {{ include "mcp-mesh-agent.yamlString" (default "1.0.0" .version) }}
    timeout: {{ int (default 30 .timeout) }}
{{- if .tags }}
    tags:
{{- range .tags }}
      - {{ include "mcp-mesh-agent.yamlString" . }}
{{- end }}
{{- else }}
    tags: []
{{- end }}
{{- end }}
{{- else }}
capabilities: []
{{- end }}
{{- if .Values.agent.dependencies }}
dependencies:
{{- range .Values.agent.dependencies }}
  - capability: {{ include "mcp-mesh-agent.yamlString" .name }}
{{- end }}
{{- else }}
dependencies: []
{{- end }}
{{ end -}}

{{/* Fails with every problem of the values at once. */}}
{{- define "mcp-mesh-agent.validate" -}}
{{- $problems := include "mcp-mesh-agent.problems" . | fromJsonArray -}}
{{- if $problems -}}
{{- fail (printf "\n%s" (join "\n" $problems)) -}}
{{- end -}}
{{- end -}}

{{/* What the values schema cannot express, as a JSON list of problems, each with its field and fix. */}}
{{- define "mcp-mesh-agent.problems" -}}
{{- $problems := list -}}
{{- $a := .Values.agent -}}
{{- if not $a.name -}}
{{- $problems = append $problems "agent.name: is not set; set the agent's name, e.g. --set agent.name=weather" -}}
{{- end -}}
{{- if gt (mul (int $a.heartbeatInterval) 3) (int .Values.registry.timeoutThreshold) -}}
{{- $problems = append $problems (printf "agent.heartbeatInterval: %ds leaves room for fewer than 3 heartbeats within the registry's timeout threshold of %ds, so one slow beat marks the agent unhealthy; set agent.heartbeatInterval to at most %ds, or raise the registry's timeoutThreshold (and registry.timeoutThreshold here) to at least %ds" (int $a.heartbeatInterval) (int .Values.registry.timeoutThreshold) (div (int .Values.registry.timeoutThreshold) 3) (mul (int $a.heartbeatInterval) 3)) -}}
{{- end -}}
{{- if and $a.script $a.source -}}
{{- $problems = append $problems "agent.script: is set together with agent.source, and only one of them can be the agent; set script (code in the image) or source (code shipped in a ConfigMap)" -}}
{{- end -}}
{{- if and (not $a.source) (eq .Values.image.repository "mcpmesh/python-runtime") -}}
{{- $problems = append $problems "image.repository: is the stock runtime image, which holds no agent code, and agent.source is not set, so the pod would crash-loop; set image.repository/tag to your image built FROM mcpmesh/python-runtime (with agent.script), or ship small agents with agent.source" -}}
{{- end -}}
{{- if gt (len $a.source) 921600 -}}
{{- $problems = append $problems (printf "agent.source: <%d bytes> is larger than a ConfigMap can carry (900 KiB); build an image FROM mcpmesh/python-runtime with the code, and set agent.script instead" (len $a.source)) -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $i, $c := $a.capabilities -}}
{{- if hasKey $seen $c.name -}}
{{- $problems = append $problems (printf "agent.capabilities[%d].name: %q is provided twice by this agent; list each capability once" $i $c.name) -}}
{{- end -}}
{{- $_ := set $seen $c.name true -}}
{{- end -}}
{{- $deps := dict -}}
{{- range $i, $d := $a.dependencies -}}
{{- if hasKey $seen $d.name -}}
{{- $problems = append $problems (printf "agent.dependencies[%d].name: %q is provided by this agent itself, a cycle of one; call it in-process, or move it to another agent" $i $d.name) -}}
{{- end -}}
{{- if hasKey $deps $d.name -}}
{{- $problems = append $problems (printf "agent.dependencies[%d].name: %q is listed twice; list each capability once" $i $d.name) -}}
{{- end -}}
{{- $_ := set $deps $d.name true -}}
{{- end -}}
{{- if eq .Values.serviceMesh "istio" -}}
{{- if and (ge (int $a.port) 15000) (le (int $a.port) 15090) -}}
{{- $problems = append $problems (printf "agent.port: %d is in the ports 15000-15090 the istio proxy takes in every pod it joins, so the app and the proxy would fight over it; use a port outside 15000-15090, e.g. 8080" (int $a.port)) -}}
{{- end -}}
{{- $c := .Values.networkPolicy.ingressController | default dict -}}
{{- if and .Values.ingress.enabled (not .Values.istio.ingressServiceAccount.name) (or $c.namespaceSelector $c.podSelector) (not (dig "namespaceSelector" "matchLabels" "kubernetes.io/metadata.name" "" $c)) -}}
{{- $problems = append $problems "networkPolicy.ingressController: does not name the ingress controller's namespace, which Istio needs to authorize it to call the agent; set its namespaceSelector.matchLabels[kubernetes.io/metadata.name], or istio.ingressServiceAccount" -}}
{{- end -}}
{{- if and .Values.istio.ingressServiceAccount.name (not .Values.istio.ingressServiceAccount.namespace) -}}
{{- $problems = append $problems "istio.ingressServiceAccount.namespace: is not set; name the namespace of the ingress controller's ServiceAccount" -}}
{{- end -}}
{{- if and (eq $a.advertise "pod-ip") .Values.traffic -}}
{{- $problems = append $problems "traffic: does not apply to a pod-ip agent: the istio routes that carry timeouts, retries and circuit breaking match the agent's Service name, and its callers call pod IPs; advertise the Service (\"service\") to have the traffic settings apply, or remove traffic" -}}
{{- end -}}
{{- end -}}
{{- if hasKey (.Values.traffic | default dict) "timeout" -}}
{{- $longest := int (include "mcp-mesh-agent.longestCall" .) -}}
{{- if lt (int .Values.traffic.timeout) $longest -}}
{{- $problems = append $problems (printf "traffic.timeout: %ds is shorter than the agent's longest capability timeout %ds, so the mesh would cut calls the capability allows; set the timeout to at least %ds, or lower the capability's timeout" (int .Values.traffic.timeout) $longest $longest) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $a.advertise "pod-ip") .Values.autoscaling.enabled -}}
{{- $problems = append $problems "agent.advertise: \"pod-ip\" is set together with autoscaling: each replica registers its own pod IP, so the replicas the autoscaler adds take no calls; advertise the Service (\"service\"), or keep pod-ip with a fixed replicaCount" -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (lt (int .Values.autoscaling.maxReplicas) (int .Values.autoscaling.minReplicas)) -}}
{{- $problems = append $problems (printf "autoscaling.maxReplicas: %d is below minReplicas %d; set maxReplicas to at least %d" (int .Values.autoscaling.maxReplicas) (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.minReplicas)) -}}
{{- end -}}
{{- $vars := dict -}}
{{- range $i, $e := concat .Values.env .Values.secretEnv -}}
{{- if hasKey $vars $e.name -}}
{{- $problems = append $problems (printf "env/secretEnv: %q is set twice; set each variable once" $e.name) -}}
{{- end -}}
{{- $_ := set $vars $e.name true -}}
{{- end -}}
{{- range $i, $e := .Values.env -}}
{{- $byName := and (regexMatch "(?i)(^|[_.-])(API_?KEY|KEY|TOKEN|PASSWORD|PASSWD|PASSPHRASE|SECRET|CREDENTIALS?|BEARER)([_.-]|$)|[_.-]AUTH$" $e.name) (not (regexMatch "^/[A-Za-z0-9._/-]+$" $e.value)) -}}
{{- $byValue := regexMatch "\\bsk-(ant-)?[A-Za-z0-9_-]{20,}|\\bAIza[0-9A-Za-z_-]{35}\\b|\\bAKIA[0-9A-Z]{16}\\b|\\bgh[pousr]_[A-Za-z0-9]{36,}\\b|-----BEGIN [A-Z ]*PRIVATE KEY-----|\\bBearer\\s+[A-Za-z0-9._~+/-]{20,}|\\bxox[abprs]-[A-Za-z0-9-]{10,}|\\b[sr]k_live_[A-Za-z0-9]{16,}|\\bgithub_pat_[A-Za-z0-9_]{22,}|[A-Za-z][A-Za-z0-9+.-]*://[^/@:\\s]+:[^/@\\s]+@" $e.value -}}
{{- if or $byName $byValue -}}
{{- $problems = append $problems (printf "env[%d].name: %q looks like a secret (by its name or its value), and env values are written into the manifests in plain text; move it to secretEnv (name, secretName, key)" $i $e.name) -}}
{{- end -}}
{{- end -}}
{{- range $k, $_ := .Values.podAnnotations -}}
{{- if hasPrefix "mesh.mcp.io/" $k -}}
{{- $problems = append $problems (printf "podAnnotations.%s: is an annotation the chart sets itself; remove it (the mesh.mcp.io/ prefix is the chart's)" $k) -}}
{{- end -}}
{{- end -}}
{{- range $i, $t := .Values.tolerations -}}
{{- $op := $t.operator | default "Equal" -}}
{{- if and (not $t.key) (ne $op "Exists") -}}
{{- $problems = append $problems (printf "tolerations[%d].key: is not set, which only operator \"Exists\" allows (it tolerates every taint); set key, or operator: Exists" $i) -}}
{{- end -}}
{{- if and (eq $op "Exists") $t.value -}}
{{- $problems = append $problems (printf "tolerations[%d].value: %q is set with operator \"Exists\", which matches any value; remove value, or use operator Equal" $i $t.value) -}}
{{- end -}}
{{- if and (hasKey $t "tolerationSeconds") (ne ($t.effect | default "") "NoExecute") -}}
{{- $problems = append $problems (printf "tolerations[%d].tolerationSeconds: is set without effect \"NoExecute\", the only effect that evicts; set effect: NoExecute, or remove tolerationSeconds" $i) -}}
{{- end -}}
{{- end -}}
{{- range $i, $cidr := .Values.networkPolicy.clusterCidrs -}}
{{- if not (contains ":" $cidr) -}}
{{- $parts := splitList "/" $cidr -}}
{{- $octets := splitList "." (first $parts) -}}
{{- $ip := add (mul (atoi (index $octets 0)) 16777216) (mul (atoi (index $octets 1)) 65536) (mul (atoi (index $octets 2)) 256) (atoi (index $octets 3)) -}}
{{- $hostBits := sub 32 (atoi (last $parts)) -}}
{{- $size := 1 -}}{{- range until (int $hostBits) }}{{ $size = mul $size 2 }}{{ end -}}
{{- if eq (atoi (last $parts)) 0 -}}
{{- $problems = append $problems (printf "networkPolicy.clusterCidrs[%d]: %q is every address, so no address would be \"the internet\"; list the cluster's pod, service and node ranges" $i $cidr) -}}
{{- else if ne (mod $ip $size) 0 -}}
{{- $net := sub $ip (mod $ip $size) -}}
{{- $first := printf "%d.%d.%d.%d/%s" (div $net 16777216) (mod (div $net 65536) 256) (mod (div $net 256) 256) (mod $net 256) (last $parts) -}}
{{- $problems = append $problems (printf "networkPolicy.clusterCidrs[%d]: %q has bits set past its prefix length; write the range's first address: %s" $i $cidr $first) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $r := list "cpu" "memory" "ephemeral-storage" -}}
{{- $request := get ($.Values.resources.requests | default dict) $r -}}
{{- $limit := get ($.Values.resources.limits | default dict) $r -}}
{{- if and $request $limit -}}
{{- if gt (float64 (include "mcp-mesh-agent.quantity" $request)) (float64 (include "mcp-mesh-agent.quantity" $limit)) -}}
{{- $problems = append $problems (printf "resources.limits.%s: %q is lower than the %s request %s; raise resources.limits.%s to at least %s or lower resources.requests.%s" $r $limit $r $request $r $request $r) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if .Values.ingress.enabled -}}
{{- if not .Values.ingress.className -}}
{{- $problems = append $problems "ingress.className: is not set; set the IngressClass of your controller, e.g. nginx" -}}
{{- end -}}
{{- $c := .Values.networkPolicy.ingressController | default dict -}}
{{- if and (or .Values.networkPolicy.enabled (eq .Values.serviceMesh "istio")) (not (or $c.namespaceSelector $c.podSelector)) -}}
{{- $problems = append $problems "networkPolicy.ingressController: is not set, so the NetworkPolicy would keep the ingress controller out of the exposed agent; set it to the controller's pods, e.g. {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}, podSelector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}}" -}}
{{- end -}}
{{- if not .Values.ingress.host -}}
{{- $problems = append $problems "ingress.host: is not set; set the host name the agent is reached at, e.g. weather.example.com" -}}
{{- end -}}
{{- end -}}
{{- toJson $problems -}}
{{- end -}}

{{/* The numeric value of a Kubernetes quantity the schema accepted, e.g. "250m" is 0.25 and "1Gi" 1073741824. */}}
{{- define "mcp-mesh-agent.quantity" -}}
{{- $q := toString . -}}
{{- $number := regexFind "^[0-9.]+" $q -}}
{{- $units := dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- mulf (float64 $number) (get $units (trimPrefix $number $q)) -}}
{{- end -}}
