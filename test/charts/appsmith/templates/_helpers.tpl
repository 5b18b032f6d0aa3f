{{- define "appsmith.name" -}}
{{- default .Chart.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "appsmith.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "appsmith.selectorLabels" -}}
app.kubernetes.io/name: {{ include "appsmith.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "appsmith.labels" -}}
appsmith.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "appsmith.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "appsmith.namespace" -}}
{{- if and .Values.global .Values.global.namespaceOverride }}{{ .Values.global.namespaceOverride }}{{ else }}{{ .Release.Namespace }}{{ end }}
{{- end }}

{{- define "appsmith.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}{{ default (include "appsmith.fullname" .) .Values.serviceAccount.name }}{{ else }}{{ default "default" .Values.serviceAccount.name }}{{ end }}
{{- end }}

{{/* The image: the deprecated _image merged over image (its keys win), as in the official 3.8 chart.
     A 3.7 version of this chart builds it as the official 3.7-era templates did, before the
     image-merge fix: registry and repository from _image alone (image.* ignored), the tag from
     _image.tag, else image.tag. */}}
{{- define "appsmith.image" -}}
{{- if hasPrefix "3.7." .Chart.Version -}}
{{- $old := .Values._image | default dict -}}
{{ $old.registry | default "index.docker.io" }}/{{ $old.repository | default "appsmith/appsmith-ee" }}:{{ $old.tag | default .Values.image.tag | default "latest" }}
{{- else -}}
{{- $img := merge (deepCopy (.Values._image | default dict)) (deepCopy .Values.image) -}}
{{ $img.registry }}/{{ $img.repository }}:{{ $img.tag | default "latest" }}
{{- end -}}
{{- end }}

{{- define "appsmith.pullPolicy" -}}
{{- $img := merge (deepCopy (.Values._image | default dict)) (deepCopy .Values.image) -}}
{{ $img.pullPolicy | default "IfNotPresent" }}
{{- end }}

{{- define "appsmith.isDeployment" -}}
{{- if or .Values.autoscaling.enabled (eq .Values.workload.kind "Deployment") }}true{{ end }}
{{- end }}

{{- define "storage.class" -}}
{{- $sc := .persistence.storageClass -}}
{{- if and .global .global.storageClass }}{{ $sc = .global.storageClass }}{{ end -}}
{{- if $sc }}{{ if eq "-" $sc }}storageClassName: ""{{ else }}storageClassName: {{ $sc }}{{ end }}{{ end -}}
{{- end }}
