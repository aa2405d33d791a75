{{- define "kvo.name" -}}kvcluster-operator{{- end -}}
{{- define "kvo.labels" -}}
app.kubernetes.io/name: {{ include "kvo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
{{- define "kvo.selector" -}}
app.kubernetes.io/name: {{ include "kvo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{/* the rules the operator needs on KVClusters and the objects it makes, and nothing more */}}
{{- define "kvo.rules" -}}
- apiGroups: ["kvstore.dev"]
  resources: ["kvclusters"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["kvstore.dev"]
  resources: ["kvclusters/status"]
  verbs: ["get", "patch", "update"]
# KVBackups: taken (status), made by a cluster's schedule (create), and deleted by its retention
- apiGroups: ["kvstore.dev"]
  resources: ["kvbackups"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["kvstore.dev"]
  resources: ["kvbackups/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "patch", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "patch"]
# patch: the stores' TLS certificate, renewed in place (<name>-tls), and <name>-restore emptied once a cluster
# made from a backup has its first primary; never list: Secrets are read by name only, the cluster's own and
# those its spec names (secretName, users, tls.serverSecret, backup and bootstrap credentials)
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "patch"]
# the CA certificate for clients (<name>-ca-cert)
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create", "patch"]
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["get", "list", "watch", "create", "patch"]
# the stores' volume claims, grown in place when spec.storage.size grows (a StatefulSet's claim template
# cannot change)
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "patch"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "create", "patch"]
# each cluster's NetworkPolicy (spec.networkPolicy); list/watch: one of that name made by someone
# else is left alone; delete: when the spec turns it off
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["", "events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}
