package stacks

// defaultTemplate is Appsmith's docker.env template (the version whose
// entrypoint passes MONGO_USER, DB_PASSWORD, ENCRYPTION_PASSWORD,
// ENCRYPTION_SALT and SUPERVISOR_PASSWORD), with our header and @NAME@
// markers where DefaultEnv puts values. Keep its keys and order: people
// compare this file with Appsmith's documentation.
const defaultTemplate = `# Appsmith configuration, written by appsmith-install.
#
# This file holds secrets: the encryption password and salt, the database and
# supervisor passwords. Keep it private (mode 0600) and out of logs and tickets.
# Back it up together with the data: without APPSMITH_ENCRYPTION_PASSWORD and
# APPSMITH_ENCRYPTION_SALT the credentials Appsmith has stored cannot be read.
#
# Appsmith reads this file when the container starts; restart it after an edit
# ("appsmith restart"). Single-quote any value that is not only letters, digits
# and ./:@%+,=- characters, e.g. APPSMITH_MAIL_FROM='Appsmith <a@example.com>'.

# Sentry
APPSMITH_SENTRY_DSN=

# Smart look
APPSMITH_SMART_LOOK_ID=

# Google OAuth
APPSMITH_OAUTH2_GOOGLE_CLIENT_ID=
APPSMITH_OAUTH2_GOOGLE_CLIENT_SECRET=

# Github OAuth
APPSMITH_OAUTH2_GITHUB_CLIENT_ID=
APPSMITH_OAUTH2_GITHUB_CLIENT_SECRET=

# Form Login/Signup
APPSMITH_FORM_LOGIN_DISABLED=
APPSMITH_SIGNUP_DISABLED=

# Segment
APPSMITH_SEGMENT_KEY=

# Algolia Search (Docs)
APPSMITH_ALGOLIA_API_ID=
APPSMITH_ALGOLIA_API_KEY=
APPSMITH_ALGOLIA_SEARCH_INDEX_NAME=

#Client log level (debug | error)
APPSMITH_CLIENT_LOG_LEVEL=

# Email server
APPSMITH_MAIL_ENABLED=
APPSMITH_MAIL_HOST=
APPSMITH_MAIL_PORT=
APPSMITH_MAIL_USERNAME=
APPSMITH_MAIL_PASSWORD=
APPSMITH_MAIL_FROM=
APPSMITH_REPLY_TO=

# Email server feature toggles
# true | false values
APPSMITH_MAIL_SMTP_AUTH=
APPSMITH_MAIL_SMTP_TLS_ENABLED=

# Disable all telemetry
# Note: This only takes effect in self-hosted scenarios.
# Please visit: https://docs.appsmith.com/telemetry to read more about anonymized data collected by Appsmith
APPSMITH_DISABLE_TELEMETRY=@DISABLE_TELEMETRY@
#APPSMITH_SENTRY_DSN=
#APPSMITH_SENTRY_ENVIRONMENT=

# Google Recaptcha Config
APPSMITH_RECAPTCHA_SITE_KEY=
APPSMITH_RECAPTCHA_SECRET_KEY=
APPSMITH_RECAPTCHA_ENABLED=

APPSMITH_DB_URL=@DB_URL@
@MONGO_CREDENTIALS@
APPSMITH_API_BASE_URL=http://localhost:8080/api/v1

APPSMITH_REDIS_URL=@REDIS_URL@
@REDIS_PASSWORD@

APPSMITH_ENCRYPTION_PASSWORD=@ENCRYPTION_PASSWORD@
APPSMITH_ENCRYPTION_SALT=@ENCRYPTION_SALT@

APPSMITH_CUSTOM_DOMAIN=@CUSTOM_DOMAIN@

# Java command line arguments, as space-delimited string. Ex: "-Xms800M -Xmx800M"
APPSMITH_JAVA_ARGS=

# APPSMITH_PLUGIN_MAX_RESPONSE_SIZE_MB=5
# MAX PAYLOAD SIZE
# APPSMITH_CODEC_SIZE=

APPSMITH_SUPERVISOR_USER=appsmith
APPSMITH_SUPERVISOR_PASSWORD=@SUPERVISOR_PASSWORD@

# Set this to a space separated list of addresses that should be allowed to load Appsmith in a frame.
# Example: "https://mydomain.com https://another-trusted-domain.com" will allow embedding on those two domains.
# Default value, if commented or not set, is "'none'", which disables embedding completely.
# https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy/frame-ancestors
APPSMITH_ALLOWED_FRAME_ANCESTORS="'self' *"

APPSMITH_DISABLE_IFRAME_WIDGET_SANDBOX=false

`
