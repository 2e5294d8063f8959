//! The HTTP side: authentication, access rules, routing, and the API server's answers.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::RequestRecord;
use super::fixture::{AccessRule, ObjectKey, fake_uid};
use super::resources::{self, ResourceType, TYPES};
use super::select::{FieldSelector, LabelSelector};
use super::table;
use super::tls::JwtSigner;

/// The audience of tokens the API server issues and accepts by default.
pub(crate) const API_AUDIENCE: &str = "https://kubernetes.default.svc.cluster.local";

/// Who a bearer token authenticates as.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub username: String,
    pub uid: String,
    pub groups: Vec<String>,
    pub audiences: Vec<String>,
}

impl Identity {
    pub fn service_account(namespace: &str, name: &str, uid: &str) -> Identity {
        Identity {
            username: format!("system:serviceaccount:{namespace}:{name}"),
            uid: uid.to_string(),
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".into(),
            ],
            audiences: vec![API_AUDIENCE.into()],
        }
    }
}

pub(crate) struct Shared {
    pub objects: BTreeMap<ObjectKey, Value>,
    pub logs: BTreeMap<String, String>,
    pub forbid: Vec<AccessRule>,
    pub allow_only: Option<Vec<AccessRule>>,
    pub git_version: String,
    pub resource_version: String,
    pub tokens: Mutex<HashMap<String, Identity>>,
    pub requests: Mutex<Vec<RequestRecord>>,
    pub latency_micros: AtomicU64,
    pub signer: JwtSigner,
}

fn json_response(code: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("valid response")
}

fn text_response(code: StatusCode, text: impl Into<Vec<u8>>) -> Response {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(text.into()))
        .expect("valid response")
}

/// A `metav1.Status` failure, field order as the API server writes it.
fn status(code: u16, reason: &str, message: &str, details: Value) -> Response {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    });
    if !details.is_null() {
        body["details"] = details;
    }
    body["code"] = json!(code);
    json_response(StatusCode::from_u16(code).expect("valid code"), &body)
}

fn details(rt_group: &str, kind: &str, name: &str) -> Value {
    let mut d = serde_json::Map::new();
    if !name.is_empty() {
        d.insert("name".into(), json!(name));
    }
    if !rt_group.is_empty() {
        d.insert("group".into(), json!(rt_group));
    }
    d.insert("kind".into(), json!(kind));
    Value::Object(d)
}

fn not_found(rt: &ResourceType, name: &str) -> Response {
    status(
        404,
        "NotFound",
        &format!("{} \"{name}\" not found", rt.qualified()),
        details(rt.group, rt.plural, name),
    )
}

fn no_such_resource() -> Response {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
        json!({}),
    )
}

fn bad_request(message: &str) -> Response {
    status(400, "BadRequest", message, Value::Null)
}

/// A parsed resource request.
struct Target<'a> {
    group: &'a str,
    version: &'a str,
    namespace: &'a str,
    plural: &'a str,
    name: &'a str,
    sub: &'a str,
}

fn parse_target(path: &str) -> Option<Target<'_>> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (*ns, rest),
        _ => ("", rest),
    };
    let (plural, name, sub) = match rest {
        [p] => (*p, "", ""),
        [p, n] => (*p, *n, ""),
        [p, n, s] => (*p, *n, *s),
        _ => return None,
    };
    Some(Target {
        group,
        version,
        namespace,
        plural,
        name,
        sub,
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

use super::table::now;

impl Shared {
    pub async fn handle(
        self: Arc<Self>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let path = uri.path().to_string();
        let query_string = uri.query().unwrap_or_default().to_string();
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(RequestRecord {
                method: method.to_string(),
                path: path.clone(),
                query: query_string.clone(),
                accept: headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string(),
            });
        let latency = self.latency_micros.load(Ordering::Relaxed);
        if latency > 0 {
            tokio::time::sleep(Duration::from_micros(latency)).await;
        }
        let query = parse_query(&query_string);

        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let public = matches!(
            path.as_str(),
            "/version" | "/healthz" | "/livez" | "/readyz"
        );
        let identity = match token {
            Some(t) => self
                .tokens
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(t)
                .cloned(),
            None => None,
        };
        let identity = match identity {
            Some(id) => id,
            None if token.is_none() && public => Identity {
                username: "system:anonymous".into(),
                uid: String::new(),
                groups: vec!["system:unauthenticated".into()],
                audiences: vec![],
            },
            None => return status(401, "Unauthorized", "Unauthorized", Value::Null),
        };

        match (&method, path.trim_end_matches('/')) {
            (&Method::GET, "/version") => return json_response(StatusCode::OK, &self.version()),
            (&Method::GET, "/healthz" | "/livez" | "/readyz") => {
                return text_response(StatusCode::OK, "ok");
            }
            (&Method::GET, "/api") => {
                return json_response(
                    StatusCode::OK,
                    &json!({"kind": "APIVersions", "versions": ["v1"],
                        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                            "serverAddress": headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1")}]}),
                );
            }
            (&Method::GET, "/apis") => {
                return json_response(StatusCode::OK, &resources::group_list());
            }
            (&Method::POST, "/apis/authentication.k8s.io/v1/tokenreviews") => {
                if let Some(denied) = self.check(
                    &identity,
                    "create",
                    "authentication.k8s.io",
                    "tokenreviews",
                    "",
                    "",
                ) {
                    return denied;
                }
                return self.token_review(&body);
            }
            _ => {}
        }
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        if let ["api", version] | ["apis", _, version] = segs.as_slice() {
            let group = if segs[0] == "api" { "" } else { segs[1] };
            return match (method == Method::GET)
                .then(|| resources::resource_list(group, version))
                .flatten()
            {
                Some(list) => json_response(StatusCode::OK, &list),
                None => no_such_resource(),
            };
        }
        let Some(target) = parse_target(&path) else {
            return no_such_resource();
        };
        let Some(rt) = resources::by_path(target.group, target.version, target.plural) else {
            return no_such_resource();
        };
        let scope_ok = if rt.namespaced {
            !target.namespace.is_empty() || target.name.is_empty()
        } else {
            target.namespace.is_empty()
        };
        if !scope_ok {
            return no_such_resource();
        }
        let verb = match (&method, target.name.is_empty()) {
            (&Method::GET, true)
                if matches!(query.get("watch").map(String::as_str), Some("true" | "1")) =>
            {
                "watch"
            }
            (&Method::GET, true) => "list",
            (&Method::GET, false) => "get",
            (&Method::POST, _) => "create",
            (&Method::PUT, _) => "update",
            (&Method::PATCH, _) => "patch",
            (&Method::DELETE, true) => "deletecollection",
            (&Method::DELETE, false) => "delete",
            _ => {
                return status(
                    405,
                    "MethodNotAllowed",
                    "the server does not allow this method on the requested resource",
                    json!({}),
                );
            }
        };
        let resource = if target.sub.is_empty() {
            rt.plural.to_string()
        } else {
            format!("{}/{}", rt.plural, target.sub)
        };
        if let Some(denied) = self.check(
            &identity,
            verb,
            rt.group,
            &resource,
            target.namespace,
            target.name,
        ) {
            return denied;
        }
        match (verb, target.sub) {
            ("create", "token") if rt.plural == "serviceaccounts" => {
                self.token_request(rt, &target, &body)
            }
            ("get", "log") if rt.plural == "pods" => self.pod_log(rt, &target, &query),
            ("get", "" | "status") => self.get(rt, &target, &headers, &query),
            ("list", "") => self.list(rt, &target, &headers, &query),
            ("watch", "") => status(
                405,
                "MethodNotAllowed",
                "the Kubernetes stand-in does not support watch",
                json!({}),
            ),
            ("get" | "list" | "watch", _) => no_such_resource(),
            // Read-only: the test identity may write nothing.
            _ => forbidden(
                &identity.username,
                verb,
                rt,
                &resource,
                target.namespace,
                target.name,
            ),
        }
    }

    fn version(&self) -> Value {
        let v = self.git_version.trim_start_matches('v');
        let mut parts = v.split('.');
        let major = parts.next().unwrap_or("1");
        let minor = parts.next().unwrap_or("0");
        json!({
            "major": major,
            "minor": minor,
            "emulationMajor": major,
            "emulationMinor": minor,
            "minCompatibilityMajor": major,
            "minCompatibilityMinor": minor,
            "gitVersion": self.git_version,
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": "2025-08-12T00:00:00Z",
            "goVersion": "go1.24.5",
            "compiler": "gc",
            "platform": "linux/amd64",
        })
    }

    fn check(
        &self,
        identity: &Identity,
        verb: &str,
        group: &str,
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> Option<Response> {
        let denied = self
            .forbid
            .iter()
            .any(|r| r.matches(verb, group, resource, namespace, name))
            || self.allow_only.as_ref().is_some_and(|allow| {
                !allow
                    .iter()
                    .any(|r| r.matches(verb, group, resource, namespace, name))
            });
        denied.then(|| {
            let plural = resource.split('/').next().unwrap_or(resource);
            let qualified = if group.is_empty() {
                plural.to_string()
            } else {
                format!("{plural}.{group}")
            };
            forbidden_message(
                &identity.username,
                verb,
                group,
                &qualified,
                plural,
                resource,
                namespace,
                name,
            )
        })
    }

    fn stored(&self, rt: &ResourceType) -> impl Iterator<Item = (&ObjectKey, &Value)> {
        let index = TYPES
            .iter()
            .position(|t| std::ptr::eq(t, rt))
            .expect("from TYPES");
        self.objects
            .iter()
            .filter(move |((i, _, _), _)| *i == index)
    }

    fn find(&self, rt: &ResourceType, namespace: &str, name: &str) -> Option<&Value> {
        self.stored(rt)
            .find(|((_, ns, n), _)| ns == namespace && n == name)
            .map(|(_, v)| v)
    }

    fn wants_table(headers: &HeaderMap) -> bool {
        headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| {
                a.split(',')
                    .next()
                    .is_some_and(|first| first.contains("as=Table"))
            })
    }

    fn get(
        &self,
        rt: &ResourceType,
        t: &Target,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
    ) -> Response {
        let Some(object) = self.find(rt, t.namespace, t.name) else {
            return not_found(rt, t.name);
        };
        if Self::wants_table(headers) {
            let rv = object["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or_default();
            let include = query
                .get("includeObject")
                .map_or("Metadata", String::as_str);
            return json_response(
                StatusCode::OK,
                &table::table(rt.kind, &[object], rv, include, now()),
            );
        }
        json_response(StatusCode::OK, object)
    }

    fn list(
        &self,
        rt: &ResourceType,
        t: &Target,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
    ) -> Response {
        let labels =
            match LabelSelector::parse(query.get("labelSelector").map_or("", String::as_str)) {
                Ok(s) => s,
                Err(e) => return bad_request(&e),
            };
        let fields = match FieldSelector::parse(
            query.get("fieldSelector").map_or("", String::as_str),
            rt.plural,
        ) {
            Ok(s) => s,
            Err(e) => return bad_request(&e),
        };
        let items: Vec<&Value> = self
            .stored(rt)
            .filter(|((_, ns, _), _)| t.namespace.is_empty() || ns == t.namespace)
            .map(|(_, v)| v)
            .filter(|v| labels.matches(v) && fields.matches(v))
            .collect();
        if Self::wants_table(headers) {
            let include = query
                .get("includeObject")
                .map_or("Metadata", String::as_str);
            return json_response(
                StatusCode::OK,
                &table::table(rt.kind, &items, &self.resource_version, include, now()),
            );
        }
        // Items of a JSON list carry no apiVersion/kind, as from a real API server.
        let items: Vec<Value> = items
            .into_iter()
            .map(|v| {
                let mut v = v.clone();
                if let Some(o) = v.as_object_mut() {
                    o.remove("apiVersion");
                    o.remove("kind");
                }
                v
            })
            .collect();
        json_response(
            StatusCode::OK,
            &json!({
                "kind": rt.list_kind,
                "apiVersion": rt.api_version,
                "metadata": {"resourceVersion": self.resource_version},
                "items": items,
            }),
        )
    }

    fn pod_log(&self, rt: &ResourceType, t: &Target, query: &HashMap<String, String>) -> Response {
        let Some(pod) = self.find(rt, t.namespace, t.name) else {
            return not_found(rt, t.name);
        };
        let names = |key: &str| -> Vec<String> {
            pod["spec"][key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["name"].as_str().map(String::from))
                .collect()
        };
        let (containers, inits) = (names("containers"), names("initContainers"));
        let container = match query.get("container").filter(|c| !c.is_empty()) {
            Some(c) => c.clone(),
            None if containers.len() == 1 => containers[0].clone(),
            None => {
                let mut msg = format!(
                    "a container name must be specified for pod {}, choose one of: [{}]",
                    t.name,
                    containers.join(" ")
                );
                if !inits.is_empty() {
                    msg.push_str(&format!(
                        " or one of the init containers: [{}]",
                        inits.join(" ")
                    ));
                }
                return bad_request(&msg);
            }
        };
        if !containers.contains(&container) && !inits.contains(&container) {
            return bad_request(&format!(
                "container {container} is not valid for pod {}",
                t.name
            ));
        }
        let statuses = ["containerStatuses", "initContainerStatuses"]
            .iter()
            .flat_map(|k| pod["status"][k].as_array().cloned().unwrap_or_default())
            .find(|s| s["name"] == container.as_str());
        if let Some(reason) = statuses
            .as_ref()
            .and_then(|s| s["state"]["waiting"]["reason"].as_str())
        {
            return bad_request(&format!(
                "container \"{container}\" in pod \"{}\" is waiting to start: {reason}",
                t.name
            ));
        }
        if matches!(
            query.get("previous").map(String::as_str),
            Some("true" | "1")
        ) {
            let key = format!("{}/{}/{container}#previous", t.namespace, t.name);
            return match self.logs.get(&key) {
                Some(text) => text_response(StatusCode::OK, tail(text, query)),
                None => bad_request(&format!(
                    "previous terminated container \"{container}\" in pod \"{}\" not found",
                    t.name
                )),
            };
        }
        let key = format!("{}/{}/{container}", t.namespace, t.name);
        let text = self.logs.get(&key).map(String::as_str).unwrap_or_default();
        text_response(StatusCode::OK, tail(text, query))
    }

    fn token_request(&self, rt: &ResourceType, t: &Target, body: &Bytes) -> Response {
        let Some(sa) = self.find(rt, t.namespace, t.name) else {
            return not_found(rt, t.name);
        };
        let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let mut audiences: Vec<String> = request["spec"]["audiences"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().map(String::from))
            .collect();
        if audiences.is_empty() {
            audiences = vec![API_AUDIENCE.into()];
        }
        let expiration = request["spec"]["expirationSeconds"]
            .as_i64()
            .unwrap_or(3600);
        let uid = sa["metadata"]["uid"].as_str().unwrap_or_default();
        let now = now();
        let exp = now.as_second() + expiration;
        let mut claims = json!({
            "aud": audiences,
            "exp": exp,
            "iat": now.as_second(),
            "iss": API_AUDIENCE,
            "jti": fake_uid(&[t.namespace, t.name, &super::random_hex()]),
            "kubernetes.io": {
                "namespace": t.namespace,
                "serviceaccount": {"name": t.name, "uid": uid},
            },
            "nbf": now.as_second(),
            "sub": format!("system:serviceaccount:{}:{}", t.namespace, t.name),
        });
        let bound = &request["spec"]["boundObjectRef"];
        if let (Some(kind), Some(name)) = (bound["kind"].as_str(), bound["name"].as_str()) {
            claims["kubernetes.io"][kind.to_ascii_lowercase()] =
                json!({"name": name, "uid": bound["uid"].as_str().unwrap_or_default()});
        }
        let token = self.signer.sign(&claims);
        let mut identity = Identity::service_account(t.namespace, t.name, uid);
        identity.audiences = audiences.clone();
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(token.clone(), identity);
        let expires = Timestamp::from_second(exp)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let mut spec = json!({"audiences": audiences, "expirationSeconds": expiration});
        if bound.is_object() {
            spec["boundObjectRef"] = bound.clone();
        }
        let answer = json!({
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": t.name, "namespace": t.namespace, "creationTimestamp": now.to_string()},
            "spec": spec,
            "status": {"token": token, "expirationTimestamp": expires},
        });
        typed::<k8s_openapi::api::authentication::v1::TokenRequest>(StatusCode::CREATED, answer)
    }

    fn token_review(&self, body: &Bytes) -> Response {
        let Ok(review) = serde_json::from_slice::<Value>(body) else {
            return bad_request("the body of the request was in an unknown format");
        };
        let token = review["spec"]["token"].as_str().unwrap_or_default();
        let wanted: Vec<String> = review["spec"]["audiences"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().map(String::from))
            .collect();
        let identity = self
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .cloned();
        let status = match identity {
            None => json!({"user": {}, "error": "[invalid bearer token, token lookup failed]"}),
            Some(id) => {
                let wanted = if wanted.is_empty() {
                    vec![API_AUDIENCE.to_string()]
                } else {
                    wanted
                };
                let common: Vec<&String> =
                    wanted.iter().filter(|a| id.audiences.contains(a)).collect();
                if common.is_empty() {
                    json!({"user": {}, "error": "[invalid bearer token, token audiences [\"".to_string()
                        + &id.audiences.join("\" \"") + "\"] is invalid for the target audiences [\"" + &wanted.join("\" \"") + "\"]]"})
                } else {
                    json!({
                        "authenticated": true,
                        "user": {"username": id.username, "uid": id.uid, "groups": id.groups},
                        "audiences": common,
                    })
                }
            }
        };
        let mut spec = review["spec"].clone();
        if !spec.is_object() {
            spec = json!({});
        }
        let answer = json!({
            "kind": "TokenReview",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": null},
            "spec": spec,
            "status": status,
        });
        typed::<k8s_openapi::api::authentication::v1::TokenReview>(StatusCode::CREATED, answer)
    }
}

/// Serialises `value` through the k8s-openapi type `T`.
fn typed<T: serde::Serialize + serde::de::DeserializeOwned>(
    code: StatusCode,
    value: Value,
) -> Response {
    match serde_json::from_value::<T>(value) {
        Ok(t) => json_response(code, &serde_json::to_value(t).expect("serialisable")),
        Err(e) => status(
            500,
            "InternalError",
            &format!("stand-in bug: {e}"),
            Value::Null,
        ),
    }
}

/// The part of a log `tailLines` and `limitBytes` ask for, as the kubelet cuts it: the
/// last lines first, then at most that many bytes from their start, even mid-character.
fn tail(text: &str, query: &HashMap<String, String>) -> Vec<u8> {
    let mut out = match query.get("tailLines").and_then(|n| n.parse::<usize>().ok()) {
        Some(n) => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            lines[lines.len().saturating_sub(n)..].concat()
        }
        None => text.to_string(),
    }
    .into_bytes();
    if let Some(limit) = query
        .get("limitBytes")
        .and_then(|n| n.parse::<usize>().ok())
    {
        out.truncate(limit);
    }
    out
}

fn forbidden(
    user: &str,
    verb: &str,
    rt: &ResourceType,
    resource: &str,
    namespace: &str,
    name: &str,
) -> Response {
    forbidden_message(
        user,
        verb,
        rt.group,
        &rt.qualified(),
        rt.plural,
        resource,
        namespace,
        name,
    )
}

/// The authorizer's 403 (`responsewriters.Forbidden` + `errors.NewForbidden`).
#[allow(clippy::too_many_arguments)]
fn forbidden_message(
    user: &str,
    verb: &str,
    group: &str,
    qualified: &str,
    plural: &str,
    resource: &str,
    namespace: &str,
    name: &str,
) -> Response {
    let scope = if namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{namespace}\"")
    };
    let reason = format!(
        "User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}"
    );
    let message = if name.is_empty() {
        format!("{qualified} is forbidden: {reason}")
    } else {
        format!("{qualified} \"{name}\" is forbidden: {reason}")
    };
    status(403, "Forbidden", &message, details(group, plural, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = parse_target("/api/v1/namespaces/istio-system/pods/istiod-1/log").unwrap();
        assert_eq!(
            (t.group, t.version, t.namespace, t.plural, t.name, t.sub),
            ("", "v1", "istio-system", "pods", "istiod-1", "log")
        );
        let t = parse_target("/api/v1/namespaces/istio-system").unwrap();
        assert_eq!(
            (t.namespace, t.plural, t.name),
            ("", "namespaces", "istio-system")
        );
        let t = parse_target("/apis/apps/v1/deployments").unwrap();
        assert_eq!(
            (t.group, t.namespace, t.plural),
            ("apps", "", "deployments")
        );
        assert!(parse_target("/openapi/v3").is_none());
    }

    #[test]
    fn queries_are_percent_decoded() {
        let q = parse_query("labelSelector=app%3Distiod%2Cx+in+%28a%2Cb%29&limit=500");
        assert_eq!(q["labelSelector"], "app=istiod,x in (a,b)");
        assert_eq!(q["limit"], "500");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
