{{- /*
  Scrutin's chart uses Go text/template's own functions only (no Sprig, no include): it
  renders the same under helm and under Go's text/template alone, which is how its tests
  render it (docs/operators.md, Kubernetes). Hence the blocks below are written at the
  indentation where they are used.
*/ -}}

{{- /* Labels under metadata.labels (4 spaces). */ -}}
{{- define "scrutin.labels" }}
    app.kubernetes.io/name: scrutin
    app.kubernetes.io/instance: {{ .Release.Name }}
    app.kubernetes.io/version: {{ printf "%q" .Chart.AppVersion }}
    app.kubernetes.io/managed-by: {{ .Release.Service }}
    helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{- /* The pods' security context (8 spaces, under the pod template's spec). */ -}}
{{- define "scrutin.podSecurity" }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        fsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
{{- end }}

{{- /* A container's security context (10 spaces). */ -}}
{{- define "scrutin.containerSecurity" }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
{{- end }}

{{- /*
  The environment of the API and the validators (12 spaces, under a container's env). Every
  credential comes from a Secret; the URLs are assembled by Kubernetes from them ($(VAR)).
*/ -}}
{{- define "scrutin.env" }}
            - name: SCRUTIN_MODE
              value: "production"
            - name: LOG_LEVEL
              value: {{ printf "%q" .Values.config.logLevel }}
            - name: SCRUTIN_NAMESPACE
              value: {{ printf "%q" .Values.config.namespace }}
            - name: PG_POOL_SIZE
              value: {{ printf "%q" (print .Values.config.pgPoolSize) }}
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: {{ if .Values.postgres.uriSecret.name }}{{ .Values.postgres.uriSecret.name }}{{ else }}{{ .Release.Name }}-pg-app{{ end }}
                  key: {{ .Values.postgres.uriSecret.key }}
            - name: AMQP_USERNAME
              valueFrom:
                secretKeyRef:
                  name: {{ template "scrutin.rabbitmqSecret" . }}
                  key: {{ .Values.rabbitmq.credentialsSecret.usernameKey }}
            - name: AMQP_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ template "scrutin.rabbitmqSecret" . }}
                  key: {{ .Values.rabbitmq.credentialsSecret.passwordKey }}
            - name: AMQP_URL
              value: "amqp://$(AMQP_USERNAME):$(AMQP_PASSWORD)@{{ template "scrutin.rabbitmqHost" . }}:5672"
{{- if .Values.redis.passwordSecret.name }}
            - name: REDIS_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.redis.passwordSecret.name }}
                  key: {{ .Values.redis.passwordSecret.key }}
{{- end }}
{{- if eq .Values.redis.mode "cluster" }}
            - name: REDIS_CLUSTER_NODES
{{- else }}
            - name: REDIS_URL
{{- end }}
              value: "redis://{{ if .Values.redis.passwordSecret.name }}:$(REDIS_PASSWORD)@{{ end }}{{ template "scrutin.redisHost" . }}:6379"
{{- if .Values.centralSigningKey.existingSecret }}
            - name: CENTRAL_SIGNING_KEY
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.centralSigningKey.existingSecret }}
                  key: {{ .Values.centralSigningKey.key }}
{{- end }}
{{- end }}

{{- define "scrutin.rabbitmqSecret" -}}
{{ if .Values.rabbitmq.credentialsSecret.name }}{{ .Values.rabbitmq.credentialsSecret.name }}{{ else }}{{ .Release.Name }}-rabbitmq-default-user{{ end }}
{{- end }}

{{- define "scrutin.rabbitmqHost" -}}
{{ if .Values.rabbitmq.host }}{{ .Values.rabbitmq.host }}{{ else }}{{ .Release.Name }}-rabbitmq.{{ .Release.Namespace }}.svc{{ end }}
{{- end }}

{{- define "scrutin.redisHost" -}}
{{ if .Values.redis.host }}{{ .Values.redis.host }}{{ else }}{{ .Release.Name }}-redis-leader.{{ .Release.Namespace }}.svc{{ end }}
{{- end }}

{{- /* The egress of the API and the validators (4 spaces, under a NetworkPolicy's egress). */ -}}
{{- define "scrutin.egress" }}
    - ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
    - to:
        - podSelector:
            matchLabels:
              cnpg.io/cluster: {{ .Release.Name }}-pg
      ports:
        - protocol: TCP
          port: 5432
    - to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ .Release.Name }}-rabbitmq
      ports:
        - protocol: TCP
          port: 5672
    - to:
        - podSelector:
            matchExpressions:
              - key: app
                operator: In
                values: ["{{ .Release.Name }}-redis-leader", "{{ .Release.Name }}-redis-follower"]
      ports:
        - protocol: TCP
          port: 6379
{{- end }}
