{{/* Names and labels shared by the templates. */}}
{{- define "modelfs.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "modelfs.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "modelfs.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{- define "modelfs.swarmSecret" -}}
{{- .Values.swarm.existingSecret | default (printf "%s-swarm" (include "modelfs.fullname" .)) -}}
{{- end -}}

{{/* The tracker group as agents and trackers take it: id=host:port,... */}}
{{- define "modelfs.trackerPeers" -}}
{{- $name := printf "%s-tracker" (include "modelfs.fullname" .) -}}
{{- $peers := list -}}
{{- range $i := until (int .Values.tracker.replicas) -}}
{{- $peers = append $peers (printf "%s-%d=%s-%d.%s.%s.svc:%d" $name $i $name $i $name $.Release.Namespace (int $.Values.tracker.port)) -}}
{{- end -}}
{{- join "," $peers -}}
{{- end -}}

{{/*
The Node label an agent sets when a model is fully local (io.modelfs.agent.k8s.ModelLabel):
key model.modelfs.io/sha256-<first 56 hex of the ref's digest>, value the model name.
*/}}
{{- define "modelfs.modelLabelKey" -}}
{{- printf "model.modelfs.io/sha256-%s" (substr 0 56 (last (splitList "@sha256:" .))) -}}
{{- end -}}
