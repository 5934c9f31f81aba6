{{/* Labels every resource of the release carries. */}}
{{- define "istio.labels" -}}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/part-of: "istio"
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end }}

{{/* istiod, or istiod-<revision> for a non-default revision: the name of the Deployment, Service and accounts. */}}
{{- define "istiod.name" -}}
istiod{{- if .Values.revision }}-{{ .Values.revision }}{{- end }}
{{- end }}

{{/* The revision as labels spell it. */}}
{{- define "istiod.revision" -}}
{{ .Values.revision | default "default" }}
{{- end }}

{{/* Labels selecting istiod's pods. */}}
{{- define "istiod.selectorLabels" -}}
app: istiod
istio.io/rev: {{ include "istiod.revision" . | quote }}
{{- end }}

{{/* Full reference of the istiod image: `image` may already be hub/name:tag. */}}
{{- define "istiod.image" -}}
{{- $hub := .Values.hub | default .Values.global.hub }}
{{- $tag := .Values.tag | default .Values.global.tag }}
{{- $variant := .Values.variant | default .Values.global.variant }}
{{- if contains "/" .Values.image }}{{ .Values.image }}
{{- else }}{{ $hub }}/{{ .Values.image }}:{{ $tag }}{{- with $variant }}-{{ . }}{{- end }}
{{- end }}
{{- end }}

{{/* True when cluster-scoped resources are rendered by this release. */}}
{{- define "istiod.clusterScope" -}}
{{- if or (eq .Values.global.resourceScope "all") (eq .Values.global.resourceScope "cluster") }}true{{ end }}
{{- end }}

{{/* True when namespaced resources are rendered by this release. */}}
{{- define "istiod.namespaceScope" -}}
{{- if or (eq .Values.global.resourceScope "all") (eq .Values.global.resourceScope "namespace") }}true{{ end }}
{{- end }}

{{/* True when istiod itself runs in this cluster (not a remote-istiod install). */}}
{{- define "istiod.local" -}}
{{- if not .Values.istiodRemote.enabled }}true{{ end }}
{{- end }}
