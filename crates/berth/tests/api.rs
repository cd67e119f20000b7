//! API conventions through the real binary: one error body for every malformed request, never a 500, and an
//! OpenAPI document that lists every route.

use berth_testkit::BerthServer;
use serde_json::Value;

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

/// (method, path, content type, body, expected status, expected error code)
type Case = (
    reqwest::Method,
    &'static str,
    Option<&'static str>,
    &'static str,
    u16,
    &'static str,
);

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_the_error_body_not_a_500() {
    let server = BerthServer::start(BERTH).await;
    let admin = server.admin_token().await;
    let send = |method: reqwest::Method, path: &str, content_type: Option<&str>, body: &str| {
        let mut request = server
            .client
            .request(method, server.url(path))
            .bearer_auth(&admin)
            .body(body.to_string());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };
    let cases: Vec<Case> = vec![
        (
            reqwest::Method::POST,
            "/api/users",
            Some("application/json"),
            "{not json",
            400,
            "bad_request",
        ),
        (
            reqwest::Method::POST,
            "/api/users",
            Some("application/json"),
            "{\"username\": 5}",
            422,
            "invalid",
        ),
        (
            reqwest::Method::POST,
            "/api/users",
            Some("application/json"),
            "{\"username\":\"a\",\"password\":\"long enough pw\",\"surprise\":1}",
            422,
            "invalid",
        ),
        (
            reqwest::Method::POST,
            "/api/users",
            None,
            "{}",
            415,
            "unsupported_media_type",
        ),
        (
            reqwest::Method::GET,
            "/api/users/not-a-number",
            None,
            "",
            400,
            "bad_request",
        ),
        (
            reqwest::Method::GET,
            "/api/users/99999",
            None,
            "",
            404,
            "not_found",
        ),
        (
            reqwest::Method::GET,
            "/api/environments/99999",
            None,
            "",
            404,
            "not_found",
        ),
        (
            reqwest::Method::GET,
            "/api/nothing-here",
            None,
            "",
            404,
            "not_found",
        ),
        (
            reqwest::Method::DELETE,
            "/api/system/status",
            None,
            "",
            405,
            "method_not_allowed",
        ),
        (
            reqwest::Method::GET,
            "/api/environments/abc/docker/_ping",
            None,
            "",
            400,
            "bad_request",
        ),
    ];
    for (method, path, content_type, body, expected_status, expected_code) in cases {
        let response = send(method.clone(), path, content_type, body)
            .await
            .unwrap();
        let status = response.status().as_u16();
        let json: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(
            (status, json["error"]["code"].as_str()),
            (expected_status, Some(expected_code)),
            "{method} {path} {body}: {json}"
        );
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let response = send(
        reqwest::Method::POST,
        "/api/users/me/api-keys",
        Some("application/json"),
        &huge,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test(flavor = "multi_thread")]
async fn openapi_document_lists_every_route() {
    let server = BerthServer::start(BERTH).await;
    let (status, document) = server.call("GET", "/api/openapi.json", "", None).await;
    assert_eq!(status, 200, "the document is public");
    let paths = document["paths"].as_object().unwrap();
    let expected = [
        ("/api/system/status", "get"),
        ("/api/system/setup", "post"),
        ("/api/auth/login", "post"),
        ("/api/auth/logout", "post"),
        ("/api/users/me", "get"),
        ("/api/users/me/password", "put"),
        ("/api/users", "get"),
        ("/api/users", "post"),
        ("/api/users/{id}", "get"),
        ("/api/users/{id}", "patch"),
        ("/api/users/{id}", "delete"),
        ("/api/users/me/api-keys", "get"),
        ("/api/users/me/api-keys", "post"),
        ("/api/users/me/api-keys/{id}", "delete"),
        ("/api/environments", "get"),
        ("/api/environments", "post"),
        ("/api/environments/{id}", "get"),
        ("/api/environments/{id}", "patch"),
        ("/api/environments/{id}", "delete"),
        ("/api/environments/{id}/docker/{path}", "post"),
        ("/api/system/diagnostics", "get"),
        ("/api/environments/{id}/containers", "get"),
        ("/api/containers", "get"),
        ("/api/environments/{id}/containers/{container}", "get"),
        ("/api/environments/{id}/containers/{container}", "delete"),
        (
            "/api/environments/{id}/containers/{container}/{action}",
            "post",
        ),
        (
            "/api/environments/{id}/containers/{container}/rename",
            "post",
        ),
        ("/api/environments/{id}/containers/{container}/stats", "get"),
        ("/api/environments/{id}/containers/{container}/logs", "get"),
        ("/api/environments/{id}/images", "get"),
        ("/api/environments/{id}/volumes", "get"),
        ("/api/environments/{id}/networks", "get"),
        ("/api/events", "get"),
        ("/api/environments/{id}/swarm/services", "get"),
        ("/api/environments/{id}/swarm/tasks", "get"),
        ("/api/environments/{id}/swarm/nodes", "get"),
        ("/api/environments/{id}/swarm/configs", "get"),
        ("/api/environments/{id}/swarm/secrets", "get"),
        (
            "/api/environments/{id}/containers/{container}/console",
            "get",
        ),
        (
            "/api/environments/{id}/containers/{container}/recreate",
            "post",
        ),
    ];
    // Regression: a path parameter once referred to a schema missing from the components.
    let text = document.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            document["components"]["schemas"].get(name).is_some(),
            "dangling $ref to {name}"
        );
    }
    // Regression: two response types were both called `StatusResponse`, and one silently replaced the other.
    let schemas = &document["components"]["schemas"];
    assert!(
        schemas["EnvironmentStatusResponse"]["properties"]
            .get("health")
            .is_some()
    );
    assert!(
        schemas["SystemStatusResponse"]["properties"]
            .get("setup_required")
            .is_some()
    );
    for (path, method) in expected {
        assert!(
            paths.get(path).and_then(|item| item.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    assert_eq!(
        paths
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum::<usize>(),
        expected.len() + 4
    );
}
