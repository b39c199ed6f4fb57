{{/* Names and labels, as `helm create` writes them. */}}
{{- define "kawa.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kawa.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kawa.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kawa.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kawa.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kawa.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: {{ .Values.mode }}
{{- end }}

{{- define "kawa.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kawa.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name: the name of an existing service account (serviceAccount.create is false)" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kawa.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Is the cloudwatch source reading a fleet (several clusters, or discovery)? */}}
{{- define "kawa.fleet" -}}
{{- if or (kindIs "string" .Values.cloudwatch.clusters) (gt (len .Values.cloudwatch.clusters) 0) }}true{{ end }}
{{- end }}

{{/* Does the pod have a checkpoint volume (cloudwatch mode)? */}}
{{- define "kawa.stateVolume" -}}
{{- if eq .Values.mode "cloudwatch" }}true{{ end }}
{{- end }}

{{/* The rules folders mounted in the pod, in load order after the bundled pack: a list of {name, path}. */}}
{{- define "kawa.rulesDirs" -}}
{{- $dirs := list }}
{{- if .Values.rules.falcoctl.enabled }}
{{- $dirs = append $dirs (dict "volume" "rules-falcoctl" "path" "/etc/kawa/rules.falcoctl") }}
{{- end }}
{{- if .Values.rules.custom }}
{{- $dirs = append $dirs (dict "volume" "rules-custom" "path" "/etc/kawa/rules.d/custom" "configMap" (printf "%s-rules" (include "kawa.fullname" .))) }}
{{- end }}
{{- range $i, $cm := .Values.rules.existingConfigMaps }}
{{- $dirs = append $dirs (dict "volume" (printf "rules-user-%d" $i) "path" (printf "/etc/kawa/rules.d/%s" $cm) "configMap" $cm) }}
{{- end }}
{{- toJson $dirs }}
{{- end }}

{{/*
falco.yaml: the keys the chart owns, with .Values.config merged over them. Keys as docs/operating.md,
docs/kinesis.md and src/sources/cloudwatch/config.ts describe them.
*/}}
{{- define "kawa.falcoConfig" -}}
{{- $v := .Values }}
{{- $rules := list }}
{{- if $v.rules.bundled }}
{{- $rules = append $rules "/opt/kawa/rules/kawa-eks-rules.yaml" }}
{{- end }}
{{- range (include "kawa.rulesDirs" . | fromJsonArray) }}
{{- $rules = append $rules .path }}
{{- end }}
{{- if not $rules }}
{{- fail "rules: no rules to load (rules.bundled is false and there are no custom, existing or falcoctl rules)" }}
{{- end }}
{{- $c := dict
  "rules_files" $rules
  "priority" $v.priority
  "log_level" $v.logLevel
  "json_output" true
  "json_include_output_property" true
  "json_include_tags_property" true
  "stdout_output" (dict "enabled" true)
  "http_output" (dict "enabled" $v.falcosidekick.enabled "url" $v.falcosidekick.url "user_agent" "kawa")
  "webserver" (dict "enabled" true "listen_address" "0.0.0.0" "listen_port" $v.webserver.port "k8s_healthz_endpoint" "/healthz" "prometheus_metrics_enabled" true "token_file" (ternary "/etc/kawa/metrics-token/token" "" (ne $v.webserver.metricsTokenSecret "")))
  "watch_config_files" true
  "shutdown_timeout_ms" $v.shutdownTimeoutMs
}}
{{- if eq $v.mode "cloudwatch" }}
{{- $cw := dict }}
{{- if include "kawa.fleet" . }}
{{- $_ := set $cw "clusters" $v.cloudwatch.clusters }}
{{- if $v.cloudwatch.accounts }}{{ $_ := set $cw "accounts" $v.cloudwatch.accounts }}{{ end }}
{{- $_ := set $cw "checkpoint" "/var/lib/kawa" }}
{{- else }}
{{- $_ := set $cw "cluster" (required "cloudwatch.cluster: the EKS cluster whose audit log kawa reads (or cloudwatch.clusters for a fleet)" $v.cloudwatch.cluster) }}
{{- if $v.cloudwatch.logGroup }}{{ $_ := set $cw "log_group" $v.cloudwatch.logGroup }}{{ end }}
{{- $_ := set $cw "checkpoint" "/var/lib/kawa/checkpoint.json" }}
{{- end }}
{{- if $v.aws.region }}{{ $_ := set $cw "region" $v.aws.region }}{{ end }}
{{- if $v.cloudwatch.endpoint }}{{ $_ := set $cw "endpoint" $v.cloudwatch.endpoint }}{{ end }}
{{- if $v.cloudwatch.stsEndpoint }}{{ $_ := set $cw "sts_endpoint" $v.cloudwatch.stsEndpoint }}{{ end }}
{{- $_ := set $c "cloudwatch" $cw }}
{{- /* the cold-start look-back is the k8saudit-eks plugin's init_config.shift, as Falco users set it */}}
{{- $_ := set $c "plugins" (list (dict "name" "k8saudit-eks" "library_path" "libk8saudit-eks.so" "init_config" (dict "shift" $v.cloudwatch.shift))) }}
{{- else }}
{{- $kin := dict "stream" (required "kinesis.stream: the Kinesis stream's name or ARN" $v.kinesis.stream) "initial_position" $v.kinesis.initialPosition }}
{{- if $v.aws.region }}{{ $_ := set $kin "region" $v.aws.region }}{{ end }}
{{- $leases := dict "create_table" $v.kinesis.createTables }}
{{- if $v.kinesis.leaseTable }}{{ $_ := set $leases "table" $v.kinesis.leaseTable }}{{ end }}
{{- $src := dict "type" "kinesis" "kinesis" $kin "leases" $leases }}
{{- if $v.kinesis.alertTable }}
{{- $_ := set $src "dedup" (dict "alert_table" $v.kinesis.alertTable "create_table" $v.kinesis.createTables) }}
{{- else if gt (int $v.kinesis.replicas) 1 }}
{{- fail "kinesis.alertTable: more than one replica needs the alert table, or a takeover repeats alerts (docs/kinesis.md section 4)" }}
{{- end }}
{{- $_ := set $c "source" $src }}
{{- end }}
{{- toYaml (mergeOverwrite $c $v.config) }}
{{- end }}
