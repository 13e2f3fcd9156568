{{/* Names and labels shared by the templates. */}}
{{- define "dtm4j.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "dtm4j.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "dtm4j.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dtm4j.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "dtm4j.labels" -}}
{{ include "dtm4j.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Whether the store is the embedded one (dtm's "boltdb" is its alias). */}}
{{- define "dtm4j.embedded" -}}
{{- if has (lower .Values.store.driver) (list "embedded" "boltdb") -}}true{{- end -}}
{{- end -}}

{{- define "dtm4j.secretName" -}}
{{- default (include "dtm4j.fullname" .) .Values.store.existingSecret -}}
{{- end -}}

{{/* Refuses values that would deploy a broken or unsafe server; each message names the value. */}}
{{- define "dtm4j.validate" -}}
{{- $driver := lower .Values.store.driver -}}
{{- if not (has $driver (list "embedded" "boltdb" "postgres" "mysql" "redis")) -}}
{{- fail (printf "store.driver = %q: must be embedded, postgres, mysql or redis" .Values.store.driver) -}}
{{- end -}}
{{- if and (include "dtm4j.embedded" .) (gt (int .Values.replicaCount) 1) -}}
{{- fail (printf "replicaCount = %d with store.driver = %s: the embedded store serves one node; use postgres, mysql or redis for several" (int .Values.replicaCount) .Values.store.driver) -}}
{{- end -}}
{{- if and (not (include "dtm4j.embedded" .)) (not .Values.store.host) -}}
{{- fail (printf "store.host is empty: it must be set when store.driver is %s" $driver) -}}
{{- end -}}
{{- if and (ne $driver "redis") (not (include "dtm4j.embedded" .)) (not .Values.store.user) -}}
{{- fail (printf "store.user is empty: it must be set when store.driver is %s" $driver) -}}
{{- end -}}
{{- $store := default dict (get .Values.config "Store") -}}
{{- range $key, $_ := $store -}}
{{- if eq (lower $key) "password" -}}
{{- fail "config.Store.Password is set: put the password in store.password or store.existingSecret (a Secret), not in the ConfigMap" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The server's conf.yml: `config` with Store.* from `store` (no password: it comes from the Secret). */}}
{{- define "dtm4j.conf" -}}
{{- $store := dict "Driver" .Values.store.driver -}}
{{- if not (include "dtm4j.embedded" .) -}}
{{- $_ := set $store "Host" .Values.store.host -}}
{{- $defaultPort := get (dict "postgres" 5432 "mysql" 3306 "redis" 6379) (lower .Values.store.driver) -}}
{{- $_ := set $store "Port" (int (default $defaultPort .Values.store.port)) -}}
{{- if .Values.store.user }}{{ $_ := set $store "User" .Values.store.user }}{{ end -}}
{{- $_ := set $store "Db" .Values.store.db -}}
{{- if eq (lower .Values.store.driver) "postgres" }}{{ $_ := set $store "Schema" .Values.store.schema }}{{ end -}}
{{- end -}}
{{- $conf := deepCopy .Values.config -}}
{{- $_ := set $conf "Store" (merge $store (default dict (get $conf "Store"))) -}}
{{- toYaml $conf -}}
{{- end -}}

{{/*
The health probe: GET /api/ping, over HTTPS when the server speaks TLS. With client certificates
required the kubelet, which has none, cannot call it: the probe then checks that the port accepts
connections.
*/}}
{{- define "dtm4j.probe" -}}
{{- if and .Values.tls.secretName .Values.tls.requireClientCert -}}
tcpSocket:
  port: http
{{- else -}}
httpGet:
  path: /api/ping
  port: http
  scheme: {{ ternary "HTTPS" "HTTP" (not (empty .Values.tls.secretName)) }}
{{- end -}}
{{- end }}
