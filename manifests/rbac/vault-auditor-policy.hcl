# Vault (or OpenBao) policy for `kubectl vault-istio audit --vault`: what the audit reads,
# and nothing that reveals a secret value. Write it and give the audit a token with it:
#
#   vault policy write vault-istio-auditor manifests/rbac/vault-auditor-policy.hcl
#   VAULT_TOKEN=$(vault token create -policy=vault-istio-auditor -ttl=1h -field=token) \
#     kubectl vault-istio audit --vault
#
# With this policy the audit checks the auth mounts, their config and roles, the role's
# policies, the KV mounts, and that each secret exists with every field the templates use
# (KV v2 `subkeys` shows field names only). It cannot read the CA's values, so the
# certificates in Vault are reported as not verified (VI513): grant `read` on the secret
# path to verify them too, or run `kubectl vault-istio verify` where the bundle is made.
# The token's own lookup (auth/token/lookup-self) is in Vault's `default` policy.
# `+` stands for one path segment: for mounts of several segments (`platform/istio/`),
# add the same stanzas with one `+` per segment (`auth/+/+/config`, `+/+/subkeys/*`).

# Auth methods: which are mounted, their Kubernetes config (the reviewer JWT is never
# shown, only whether it is set) and their roles.
path "sys/auth" {
  capabilities = ["read"]
}
path "auth/+/config" {
  capabilities = ["read"]
}
path "auth/+/role/*" {
  capabilities = ["read", "list"]
}

# The policies the roles give.
path "sys/policies/acl/*" {
  capabilities = ["read"]
}

# Secrets engines: which mount holds a path, and its KV version.
path "sys/mounts" {
  capabilities = ["read"]
}
path "sys/internal/ui/mounts/*" {
  capabilities = ["read"]
}

# KV v2: a secret's field names without their values.
path "+/subkeys/*" {
  capabilities = ["read"]
}
# KV v1 has no subkeys: whether a secret exists is read from its parent's listing (names
# only).
path "+/*" {
  capabilities = ["list"]
}
