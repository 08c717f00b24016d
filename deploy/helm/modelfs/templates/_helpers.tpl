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

{{/*
A cert-manager csi-driver volume: a per-pod certificate (PKCS#8 key, client and server auth) from
.Values.tls.issuer, CN .name and DNS SANs .dns (csi-driver expands ${POD_NAME}, ${POD_NAMESPACE}).
*/}}
{{- define "modelfs.tlsCsi" -}}
csi:
  driver: csi.cert-manager.io
  readOnly: true
  volumeAttributes:
    csi.cert-manager.io/issuer-name: {{ .root.Values.tls.issuer.name }}
    csi.cert-manager.io/issuer-kind: {{ .root.Values.tls.issuer.kind }}
    csi.cert-manager.io/common-name: {{ .name | quote }}
    csi.cert-manager.io/dns-names: {{ .dns | quote }}
    csi.cert-manager.io/key-encoding: PKCS8
    csi.cert-manager.io/key-usages: "digital signature,key encipherment,server auth,client auth"
    csi.cert-manager.io/duration: {{ .root.Values.tls.duration }}
{{- end -}}
