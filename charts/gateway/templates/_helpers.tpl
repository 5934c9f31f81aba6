{{/* Labels every resource of the release carries. */}}
{{- define "istio.labels" -}}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/part-of: "istio"
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end }}

{{/* The gateway's name: .Values.name or the release name. */}}
{{- define "gateway.name" -}}
{{- if eq .Release.Name "RELEASE-NAME" -}}
{{- .Values.name | default "istio-ingressgateway" -}}
{{- else -}}
{{- .Values.name | default .Release.Name -}}
{{- end -}}
{{- end }}

{{/* Labels the Deployment and Service share; `app`/`istio` come from the name unless set in .Values.labels. */}}
{{- define "gateway.labels" -}}
{{ include "gateway.selectorLabels" . }}
{{- range $key, $val := .Values.labels }}
{{- if and (ne $key "app") (ne $key "istio") }}
{{ $key | quote }}: {{ $val | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels selecting the gateway's pods (Gateway resources select on `istio`). */}}
{{- define "gateway.selectorLabels" -}}
app: {{ (.Values.labels.app | quote) | default (include "gateway.name" .) }}
istio: {{ (.Values.labels.istio | quote) | default (include "gateway.name" . | trimPrefix "istio-") }}
{{- end }}

{{/* Labels that make istiod's webhook inject the pod (the revision's, or the default one's). */}}
{{- define "gateway.sidecarInjectionLabels" -}}
{{- if .Values.revision -}}
istio.io/rev: {{ .Values.revision }}
{{- else -}}
sidecar.istio.io/inject: "true"
{{- end }}
{{- end }}

{{/* The ServiceAccount the gateway pods run as. */}}
{{- define "gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- .Values.serviceAccount.name | default (include "gateway.name" .) }}
{{- else }}
{{- .Values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}
