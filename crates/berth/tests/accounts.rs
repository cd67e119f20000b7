//! First run, sign-in, sessions, API keys, rate limiting, CSRF and user management, through the real binary.

use berth_testkit::{ADMIN_PASSWORD, BerthServer, ServerOptions, unique_name};
use serde_json::{Value, json};

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

fn error_code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {body}"))
}

fn setup_token(server: &BerthServer) -> String {
    let log = server.log();
    let start = log.find("setup?token=").expect("setup URL in the log") + "setup?token=".len();
    log[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_setup_needs_the_token_and_happens_once() {
    let server = BerthServer::start_with(
        BERTH,
        ServerOptions {
            with_admin: false,
            ..Default::default()
        },
    )
    .await;
    let (status, body) = server.call("GET", "/api/system/status", "", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["setup_required"], true);
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));

    let token = setup_token(&server);
    let request = |setup_token: &str, password: &str| json!({"username": "root", "password": password, "setup_token": setup_token});
    let (status, body) = server
        .call(
            "POST",
            "/api/system/setup",
            "",
            Some(request("wrong", "a long enough password")),
        )
        .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
    let (status, body) = server
        .call(
            "POST",
            "/api/system/setup",
            "",
            Some(request(&token, "short")),
        )
        .await;
    assert_eq!((status, error_code(&body)), (422, "invalid"));
    assert_eq!(body["error"]["field"], "password");
    let (status, body) = server
        .call(
            "POST",
            "/api/system/setup",
            "",
            Some(json!({"username": "root"})),
        )
        .await;
    assert_eq!((status, error_code(&body)), (422, "invalid"), "{body}");

    let (status, body) = server
        .call(
            "POST",
            "/api/system/setup",
            "",
            Some(request(&token, "a long enough password")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["role"], "admin");
    let (status, _) = server
        .call(
            "POST",
            "/api/system/setup",
            "",
            Some(request(&token, "a long enough password")),
        )
        .await;
    assert_eq!(status, 403);
    let (_, body) = server.call("GET", "/api/system/status", "", None).await;
    assert_eq!(body["setup_required"], false);
    server.login("root", "a long enough password").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_sets_a_strict_cookie_and_logout_revokes_at_once() {
    let server = BerthServer::start(BERTH).await;
    let response = server
        .client
        .post(server.url("/api/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    for attribute in [
        "berth_session=",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/",
    ] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let body: Value = response.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(body["user"]["username"], "admin");

    // The same session works as a bearer token and as a cookie.
    let (status, me) = server.call("GET", "/api/users/me", &token, None).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("admin")));
    let cookie_header = format!("berth_session={token}");
    let by_cookie = server
        .client
        .get(server.url("/api/users/me"))
        .header("cookie", &cookie_header)
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200);

    let (status, _) = server.call("POST", "/api/auth/logout", &token, None).await;
    assert_eq!(status, 204);
    let (status, body) = server.call("GET", "/api/users/me", &token, None).await;
    assert_eq!((status, error_code(&body)), (401, "unauthenticated"));
    let by_cookie = server
        .client
        .get(server.url("/api/users/me"))
        .header("cookie", &cookie_header)
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_credentials_and_garbage_tokens_are_401() {
    let server = BerthServer::start(BERTH).await;
    let (status, body) = server
        .call(
            "POST",
            "/api/auth/login",
            "",
            Some(json!({"username": "admin", "password": "not the password"})),
        )
        .await;
    assert_eq!((status, error_code(&body)), (401, "unauthenticated"));
    let (status, _) = server
        .call(
            "POST",
            "/api/auth/login",
            "",
            Some(json!({"username": "nobody", "password": "not the password"})),
        )
        .await;
    assert_eq!(status, 401);
    for token in ["", "garbage", "berth_s_forged", "berth_k_forged"] {
        let (status, _) = server.call("GET", "/api/environments", token, None).await;
        assert_eq!(status, 401, "{token:?}");
    }
    let response = server
        .client
        .get(server.url("/api/users/me"))
        .header("authorization", "Basic YWRtaW46eA==")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = server
        .client
        .get(server.url("/api/users/me"))
        .header("x-api-key", "berth_k_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn login_is_rate_limited_per_client_and_per_username() {
    let server = BerthServer::start_with(
        BERTH,
        ServerOptions {
            extra_args: vec![
                "--login-attempts-per-minute".into(),
                "4".into(),
                "--login-failures-per-username".into(),
                "2".into(),
                "--trusted-proxy".into(),
                "127.0.0.1".into(),
            ],
            ..Default::default()
        },
    )
    .await;
    let attempt = |forwarded_for: &'static str, username: &'static str, password: &'static str| {
        let server = &server;
        async move {
            server
                .client
                .post(server.url("/api/auth/login"))
                .header("x-forwarded-for", forwarded_for)
                .json(&json!({"username": username, "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    // Per username: two failures from different clients lock the name, even with the right password.
    assert_eq!(
        attempt("192.0.2.1", "admin", "wrong password 1")
            .await
            .status(),
        401
    );
    assert_eq!(
        attempt("192.0.2.2", "admin", "wrong password 2")
            .await
            .status(),
        401
    );
    let locked = attempt("192.0.2.3", "admin", ADMIN_PASSWORD).await;
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    let body: Value = locked.json().await.unwrap();
    assert_eq!(error_code(&body), "rate_limited");

    // Per client: the fifth attempt from one address is refused whatever the username.
    for name in ["a1", "a2", "a3", "a4"] {
        assert_eq!(
            attempt("198.51.100.9", name, "whatever password")
                .await
                .status(),
            401
        );
    }
    assert_eq!(
        attempt("198.51.100.9", "a5", "whatever password")
            .await
            .status(),
        429
    );
    assert_eq!(
        attempt("198.51.100.10", "a5", "whatever password")
            .await
            .status(),
        401
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cookie_changes_need_the_same_origin() {
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let cookie = format!("berth_session={token}");
    let post = |origin: Option<String>| {
        let mut request = server
            .client
            .post(server.url("/api/users/me/api-keys"))
            .header("cookie", &cookie)
            .json(&json!({"name": unique_name("csrf")}));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    assert_eq!(post(None).await.unwrap().status(), 403);
    assert_eq!(
        post(Some("https://evil.example".into()))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        post(Some(server.base_url.clone())).await.unwrap().status(),
        201
    );
    // Bearer tokens are not sent by browsers on their own, so they need no origin check.
    let (status, _) = server
        .call(
            "POST",
            "/api/users/me/api-keys",
            &token,
            Some(json!({"name": "bearer"})),
        )
        .await;
    assert_eq!(status, 201);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_keys_are_shown_once_listed_by_prefix_and_revocable() {
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let (status, created) = server
        .call(
            "POST",
            "/api/users/me/api-keys",
            &token,
            Some(json!({"name": "ci"})),
        )
        .await;
    assert_eq!(status, 201);
    let key = created["key"].as_str().unwrap().to_string();
    assert!(key.starts_with(created["prefix"].as_str().unwrap()));

    let (status, _) = server
        .call(
            "POST",
            "/api/users/me/api-keys",
            &token,
            Some(json!({"name": "ci"})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, body) = server
        .call(
            "POST",
            "/api/users/me/api-keys",
            &token,
            Some(json!({"name": "  "})),
        )
        .await;
    assert_eq!((status, error_code(&body)), (422, "invalid"));

    let by_header = server
        .client
        .get(server.url("/api/environments"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), 200);
    let (status, _) = server.call("GET", "/api/environments", &key, None).await;
    assert_eq!(status, 200, "API keys work as bearer tokens too");

    let (_, list) = server
        .call("GET", "/api/users/me/api-keys", &token, None)
        .await;
    assert_eq!(list["total"], 1);
    assert!(
        list["items"][0].get("key").is_none(),
        "the key is never listed"
    );
    assert!(list["items"][0]["last_used_at"].is_i64());

    let id = created["id"].as_i64().unwrap();
    let (status, _) = server
        .call(
            "DELETE",
            &format!("/api/users/me/api-keys/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = server.call("GET", "/api/environments", &key, None).await;
    assert_eq!(status, 401);
    let (status, _) = server
        .call(
            "DELETE",
            &format!("/api/users/me/api-keys/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = server
        .call("DELETE", "/api/users/me/api-keys/abc", &token, None)
        .await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_survive_a_restart() {
    let mut server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let key = server.api_key(&token).await;
    server.stop_with("TERM");
    server.spawn().await.unwrap();
    let (status, _) = server.call("GET", "/api/users/me", &token, None).await;
    assert_eq!(status, 200);
    let (status, _) = server.call("GET", "/api/users/me", &key, None).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_your_password_needs_the_old_one_and_ends_other_sessions() {
    let server = BerthServer::start(BERTH).await;
    let token = server.admin_token().await;
    let other_session = server.admin_token().await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let (status, body) = server
        .call(
            "PUT",
            "/api/users/me/password",
            &token,
            Some(change("wrong password!", "a brand new password")),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("current_password"))
    );
    let (status, body) = server
        .call(
            "PUT",
            "/api/users/me/password",
            &token,
            Some(change(ADMIN_PASSWORD, "short")),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("password"))
    );
    let (status, _) = server
        .call(
            "PUT",
            "/api/users/me/password",
            &token,
            Some(change(ADMIN_PASSWORD, "a brand new password")),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        server.call("GET", "/api/users/me", &token, None).await.0,
        200
    );
    assert_eq!(
        server
            .call("GET", "/api/users/me", &other_session, None)
            .await
            .0,
        401
    );
    server.login("admin", "a brand new password").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_manage_users_and_standard_users_cannot() {
    let server = BerthServer::start(BERTH).await;
    let admin = server.admin_token().await;
    let jane = server.create_user(&admin, "jane", "standard", &[]).await;
    let (status, body) = server
        .call(
            "POST",
            "/api/users",
            &admin,
            Some(json!({"username": "jane", "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"));
    let (status, body) = server
        .call(
            "POST",
            "/api/users",
            &admin,
            Some(json!({"username": "bad name", "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("username"))
    );
    let (status, _) = server
        .call(
            "POST",
            "/api/users",
            &admin,
            Some(json!({"username": "x", "password": ADMIN_PASSWORD, "role": "root"})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = server
        .call(
            "POST",
            "/api/users",
            &admin,
            Some(json!({"username": "x", "password": ADMIN_PASSWORD, "environment_ids": [999]})),
        )
        .await;
    assert_eq!(status, 404);
    let (_, list) = server.call("GET", "/api/users", &admin, None).await;
    assert_eq!(
        list["total"], 2,
        "the failed create left nothing behind: {list}"
    );

    let jane_token = server.login("jane", ADMIN_PASSWORD).await;
    let (status, body) = server.call("GET", "/api/users", &jane_token, None).await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
    let (status, _) = server
        .call(
            "POST",
            "/api/users",
            &jane_token,
            Some(json!({"username": "eve", "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = server
        .call("GET", &format!("/api/users/{jane}"), &jane_token, None)
        .await;
    assert_eq!(status, 200, "users can read themselves");
    let (status, _) = server.call("GET", "/api/users/1", &jane_token, None).await;
    assert_eq!(status, 403);

    // Disabling ends sessions and refuses sign-in.
    let (status, body) = server
        .call(
            "PATCH",
            &format!("/api/users/{jane}"),
            &admin,
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!((status, body["disabled"].as_bool()), (200, Some(true)));
    assert_eq!(
        server
            .call("GET", "/api/users/me", &jane_token, None)
            .await
            .0,
        401
    );
    let (status, _) = server
        .call(
            "POST",
            "/api/auth/login",
            "",
            Some(json!({"username": "jane", "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(status, 401);

    // The last enabled admin can't be demoted, disabled or deleted.
    let (status, body) = server
        .call(
            "PATCH",
            "/api/users/1",
            &admin,
            Some(json!({"role": "standard"})),
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"));
    assert_eq!(
        server
            .call(
                "PATCH",
                "/api/users/1",
                &admin,
                Some(json!({"disabled": true}))
            )
            .await
            .0,
        409
    );
    assert_eq!(
        server.call("DELETE", "/api/users/1", &admin, None).await.0,
        409
    );

    // Promoting jane makes it possible.
    let (status, _) = server
        .call(
            "PATCH",
            &format!("/api/users/{jane}"),
            &admin,
            Some(json!({"disabled": false, "role": "admin"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        server
            .call("DELETE", &format!("/api/users/{jane}"), &admin, None)
            .await
            .0,
        204
    );
    assert_eq!(
        server
            .call("DELETE", &format!("/api/users/{jane}"), &admin, None)
            .await
            .0,
        404
    );
}
