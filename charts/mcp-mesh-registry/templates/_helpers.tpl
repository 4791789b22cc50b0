{{/*
The templates of the registry. They render what the McpRegistry and McpSecurity constructs render for the
registry and the mesh-wide policies (test/charts/registry-chart.test.ts holds them to it).
*/}}

{{- define "mcp-mesh-registry.selectorLabels" -}}
app.kubernetes.io/component: registry
app.kubernetes.io/instance: {{ .Values.mesh.name | quote }}
app.kubernetes.io/name: {{ .Values.registry.name | quote }}
{{- end -}}

{{- define "mcp-mesh-registry.labels" -}}
{{ include "mcp-mesh-registry.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mcp-mesh
{{- if regexMatch "^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$" (toString .Values.image.tag) }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
{{- end }}
{{- end -}}

{{- define "mcp-mesh-registry.objectLabels" -}}
{{ include "mcp-mesh-registry.labels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The labels of the mesh-wide NetworkPolicies. */}}
{{- define "mcp-mesh-registry.policyLabels" -}}
app.kubernetes.io/instance: {{ .Values.mesh.name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mcp-mesh
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* A NetworkPolicy peer, as JSON, from {ipBlock} or {namespaceSelector, podSelector}: pods of this namespace when only podSelector. */}}
{{- define "mcp-mesh-registry.peer" -}}
{{- $peer := dict -}}
{{- if .ipBlock -}}
{{- $_ := set $peer "ipBlock" .ipBlock -}}
{{- else -}}
{{- with .namespaceSelector }}{{ $_ := set $peer "namespaceSelector" . }}{{ end -}}
{{- if or .podSelector (not .namespaceSelector) }}{{ $_ := set $peer "podSelector" (.podSelector | default (dict "matchLabels" dict)) }}{{ end -}}
{{- end -}}
{{- toJson $peer -}}
{{- end -}}

{{/* A Go duration as the registry reads it, from seconds: 3600 is "1h", 90 is "1m30s". */}}
{{- define "mcp-mesh-registry.goDuration" -}}
{{- $s := int . -}}
{{- $h := div $s 3600 -}}{{- $m := div (mod $s 3600) 60 -}}{{- $r := mod $s 60 -}}
{{- if gt $h 0 }}{{ $h }}h{{ end }}{{ if gt $m 0 }}{{ $m }}m{{ end }}{{ if gt $r 0 }}{{ $r }}s{{ end -}}
{{- end -}}

{{/* The numeric value of a Kubernetes quantity the schema accepted, e.g. "250m" is 0.25 and "1Gi" 1073741824. */}}
{{- define "mcp-mesh-registry.quantity" -}}
{{- $q := toString . -}}
{{- $number := regexFind "^[0-9.]+" $q -}}
{{- $units := dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- mulf (float64 $number) (get $units (trimPrefix $number $q)) -}}
{{- end -}}

{{/* Checks what the values schema cannot express; every problem at once, each with its field and fix. */}}
{{- define "mcp-mesh-registry.validate" -}}
{{- $problems := list -}}
{{- $r := .Values.registry -}}
{{- $pg := .Values.storage.postgres -}}
{{- if eq (int $r.admin.port) (int $r.port) -}}
{{- $problems = append $problems (printf "registry.admin.port: %d is the port agents call, so every agent could drain the registry; use a port of its own, e.g. %d" (int $r.admin.port) (ternary 8000 8001 (eq (int $r.port) 8001))) -}}
{{- end -}}
{{- if and (eq .Values.storage.type "sqlite") (gt (int .Values.replicaCount) 1) -}}
{{- $problems = append $problems (printf "replicaCount: %d is more than the 1 replica that SQLite storage allows (each replica would get its own database and agents would see different meshes); set replicaCount to 1, or use storage.type=postgres for a highly available registry" (int .Values.replicaCount)) -}}
{{- end -}}
{{- if eq .Values.storage.type "postgres" -}}
{{- $byUrl := or $pg.urlSecret.name $pg.urlSecret.key -}}
{{- if and $byUrl $pg.host -}}
{{- $problems = append $problems "storage.postgres.host: is set together with storage.postgres.urlSecret; give the database either as a URL in a Secret (urlSecret) or as parts (host, credentialsSecret)" -}}
{{- else if $byUrl -}}
{{- if not (and $pg.urlSecret.name $pg.urlSecret.key) -}}
{{- $problems = append $problems "storage.postgres.urlSecret: needs both name and key; name the Secret and the key that holds the postgres:// URL" -}}
{{- end -}}
{{- else if $pg.host -}}
{{- if not $pg.credentialsSecret.name -}}
{{- $problems = append $problems "storage.postgres.credentialsSecret.name: is not set; name the Secret that holds the database user name and password" -}}
{{- end -}}
{{- else -}}
{{- $problems = append $problems "storage.postgres: names no database; set urlSecret (name, key of the postgres:// URL) or host and credentialsSecret" -}}
{{- end -}}
{{- if and .Values.networkPolicy.enabled (not $pg.endpoint.port) -}}
{{- $problems = append $problems "storage.postgres.endpoint: is not set, so the NetworkPolicies would cut the registry off from its database; set endpoint.port and endpoint.cidr (or namespaceSelector/podSelector), or networkPolicy.enabled=false" -}}
{{- end -}}
{{- end -}}
{{- if eq .Values.storage.type "postgres-in-cluster" -}}
{{- if not .Values.storage.postgresInCluster.credentialsSecret.name -}}
{{- $problems = append $problems "storage.postgresInCluster.credentialsSecret.name: is not set; name the Secret (which you create) with the database user name and password" -}}
{{- end -}}
{{- if gt (len (printf "%s-postgres" $r.name)) 52 -}}
{{- $problems = append $problems (printf "registry.name: %q makes the in-cluster PostgreSQL's StatefulSet name \"%s-postgres\" longer than 52 characters; use a registry name of at most 43 characters" $r.name $r.name) -}}
{{- end -}}
{{- range $res := list "cpu" "memory" "ephemeral-storage" -}}
{{- $request := get ($.Values.storage.postgresInCluster.resources.requests | default dict) $res -}}
{{- $limit := get ($.Values.storage.postgresInCluster.resources.limits | default dict) $res -}}
{{- if and $request $limit -}}
{{- if gt (float64 (include "mcp-mesh-registry.quantity" $request)) (float64 (include "mcp-mesh-registry.quantity" $limit)) -}}
{{- $problems = append $problems (printf "storage.postgresInCluster.resources.limits.%s: %q is lower than the %s request %s; raise it to at least %s or lower the request" $res $limit $res $request $request) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if eq .Values.serviceMesh "istio" -}}
{{- range $f, $port := dict "registry.port" $r.port "registry.admin.port" $r.admin.port -}}
{{- if and (ge (int $port) 15000) (le (int $port) 15090) -}}
{{- $problems = append $problems (printf "%s: %d is in the ports 15000-15090 the istio proxy takes in every pod it joins, so the app and the proxy would fight over it; use a port outside 15000-15090" $f (int $port)) -}}
{{- end -}}
{{- end -}}
{{- if $r.admin.allowFrom -}}
{{- $problems = append $problems (printf "registry.admin.allowFrom: %d peer(s) admits network peers, which the istio authorization of the admin port cannot express (it admits identities), so the peers would still be refused; leave allowFrom empty and reach the admin API with kubectl port-forward" (len $r.admin.allowFrom)) -}}
{{- end -}}
{{- end -}}
{{- $cidrs := list -}}
{{- with .Values.storage.postgres.endpoint.cidr }}{{ $cidrs = append $cidrs (list "storage.postgres.endpoint.cidr" .) }}{{ end -}}
{{- range $i, $p := $r.admin.allowFrom -}}
{{- with $p.ipBlock -}}
{{- $cidrs = append $cidrs (list (printf "registry.admin.allowFrom[%d].ipBlock.cidr" $i) .cidr) -}}
{{- range $j, $e := .except }}{{ $cidrs = append $cidrs (list (printf "registry.admin.allowFrom[%d].ipBlock.except[%d]" $i $j) $e) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- with (.Values.networkPolicy.dns | default dict).ipBlock }}{{ $cidrs = append $cidrs (list "networkPolicy.dns.ipBlock.cidr" .cidr) }}{{ end -}}
{{- $peers := list (list "storage.postgres.endpoint" (ternary (dict "ipBlock" (dict "cidr" (.Values.storage.postgres.endpoint.cidr | default ""))) dict (ne (.Values.storage.postgres.endpoint.cidr | default "") "")) .Values.storage.postgres.endpoint) (list "networkPolicy.dns" (dict) (.Values.networkPolicy.dns | default dict)) -}}
{{- range $i, $p := $r.admin.allowFrom }}{{ $peers = append $peers (list (printf "registry.admin.allowFrom[%d]" $i) (dict) $p) }}{{ end -}}
{{- range $peers -}}
{{- $field := index . 0 -}}{{- $p := index . 2 -}}
{{- if and (or $p.ipBlock $p.cidr) (or $p.namespaceSelector $p.podSelector) -}}
{{- $problems = append $problems (printf "%s: names an IP range together with selectors, which one NetworkPolicy peer cannot hold; give the range or the selectors (a second entry for the other)" $field) -}}
{{- end -}}
{{- end -}}
{{- range $cidrs -}}
{{- with include "mcp-mesh-registry.cidrProblem" . }}{{ $problems = append $problems . }}{{ end -}}
{{- end -}}
{{- if lt (int $r.timeoutThreshold) (int $r.healthCheckInterval) -}}
{{- $problems = append $problems (printf "registry.timeoutThreshold: %ds is shorter than the health check interval %ds, so agents would be marked unhealthy between two checks; set timeoutThreshold to at least %ds, or lower healthCheckInterval" (int $r.timeoutThreshold) (int $r.healthCheckInterval) (int $r.healthCheckInterval)) -}}
{{- end -}}
{{- if and (not (kindIs "invalid" $r.retention)) (lt (int $r.retention) (int $r.timeoutThreshold)) -}}
{{- $problems = append $problems (printf "registry.retention: %ds is shorter than the timeout threshold %ds, so agents would be removed before they are ever marked unhealthy; set retention to at least %ds (the registry's default is 1h)" (int $r.retention) (int $r.timeoutThreshold) (int $r.timeoutThreshold)) -}}
{{- end -}}
{{- if le (int $r.evictionThreshold) (int $r.timeoutThreshold) -}}
{{- $problems = append $problems (printf "registry.evictionThreshold: %ds is not longer than the timeout threshold %ds, so agents would be evicted before they are ever marked unhealthy; set evictionThreshold above %ds (three times it is a good start)" (int $r.evictionThreshold) (int $r.timeoutThreshold) (int $r.timeoutThreshold)) -}}
{{- end -}}
{{- range $res := list "cpu" "memory" "ephemeral-storage" -}}
{{- $request := get ($.Values.resources.requests | default dict) $res -}}
{{- $limit := get ($.Values.resources.limits | default dict) $res -}}
{{- if and $request $limit -}}
{{- if gt (float64 (include "mcp-mesh-registry.quantity" $request)) (float64 (include "mcp-mesh-registry.quantity" $limit)) -}}
{{- $problems = append $problems (printf "resources.limits.%s: %q is lower than the %s request %s; raise resources.limits.%s to at least %s or lower resources.requests.%s" $res $limit $res $request $res $request $res) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n%s" (join "\n" $problems)) -}}
{{- end -}}
{{- end -}}

{{/* The problem of an IPv4 range the schema accepted (bits set past its prefix), or nothing. Takes (list field cidr). */}}
{{- define "mcp-mesh-registry.cidrProblem" -}}
{{- $field := index . 0 -}}{{- $cidr := index . 1 -}}
{{- if not (contains ":" $cidr) -}}
{{- $parts := splitList "/" $cidr -}}
{{- $octets := splitList "." (first $parts) -}}
{{- $ip := add (mul (atoi (index $octets 0)) 16777216) (mul (atoi (index $octets 1)) 65536) (mul (atoi (index $octets 2)) 256) (atoi (index $octets 3)) -}}
{{- $size := 1 -}}{{- range until (int (sub 32 (atoi (last $parts)))) }}{{ $size = mul $size 2 }}{{ end -}}
{{- if ne (mod $ip $size) 0 -}}
{{- $net := sub $ip (mod $ip $size) -}}
{{- printf "%s: %q has bits set past its prefix length; write the range's first address: %d.%d.%d.%d/%s" $field $cidr (div $net 16777216) (mod (div $net 65536) 256) (mod (div $net 256) 256) (mod $net 256) (last $parts) -}}
{{- end -}}
{{- end -}}
{{- end -}}
