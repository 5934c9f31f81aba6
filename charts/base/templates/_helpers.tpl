{{/* Labels every resource of the release carries. */}}
{{- define "istio.labels" -}}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/part-of: "istio"
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end }}

{{/* True when cluster-scoped resources are rendered by this release. */}}
{{- define "base.clusterScope" -}}
{{- if or (eq .Values.global.resourceScope "all") (eq .Values.global.resourceScope "cluster") }}true{{ end }}
{{- end }}

{{/* True when namespaced resources are rendered by this release. */}}
{{- define "base.namespaceScope" -}}
{{- if or (eq .Values.global.resourceScope "all") (eq .Values.global.resourceScope "namespace") }}true{{ end }}
{{- end }}
