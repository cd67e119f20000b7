//! The OpenAPI document's frame: title, security schemes and the documented gateway. The paths come from
//! the routers themselves (utoipa-axum), so the document can't drift from the routes.

use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, OpenApiBuilder, Required, SecurityRequirement};

pub fn base() -> OpenApi {
    OpenApiBuilder::new()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("Berth API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Manage Docker environments. Authenticate with `Authorization: Bearer <token>` \
                     (from /api/auth/login, or an API key), `X-API-Key`, or the session cookie. \
                     Errors answer `{\"error\": {\"code\", \"message\", \"field\"}}`; lists answer \
                     `{\"items\": [...], \"total\": N}`.",
                ))
                .license(Some(utoipa::openapi::License::new("MIT OR Apache-2.0")))
                .build(),
        )
        .build()
}

/// Adds security schemes, the default requirement, and the gateway path that is routed outside utoipa.
pub fn finish(mut openapi: OpenApi) -> OpenApi {
    let components = openapi.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    components.add_security_scheme(
        "api_key",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
    );
    components.add_security_scheme(
        "session_cookie",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::SESSION_COOKIE))),
    );
    openapi.security = Some(vec![
        SecurityRequirement::new("bearer", Vec::<String>::new()),
        SecurityRequirement::new("api_key", Vec::<String>::new()),
        SecurityRequirement::new("session_cookie", Vec::<String>::new()),
    ]);
    let gateway = OperationBuilder::new()
        .tag("gateway")
        .summary(Some("Docker Engine API gateway"))
        .description(Some(
            "Forwards any Docker Engine API request to the environment's engine, streaming bodies and \
             bridging hijacked attach/exec connections. Point the docker CLI at \
             `tcp://HOST:PORT/api/environments/{id}/docker` with `X-API-Key` in its HttpHeaders.",
        ))
        .parameter(
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True),
        )
        .parameter(
            ParameterBuilder::new()
                .name("path")
                .parameter_in(ParameterIn::Path)
                .required(Required::True),
        )
        .response("default", ResponseBuilder::new().description("The engine's response"))
        .build();
    let methods = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Delete,
        HttpMethod::Head,
    ];
    let mut item = PathItem::new(HttpMethod::Get, gateway.clone());
    for method in methods {
        item.merge_operations(PathItem::new(method, gateway.clone()));
    }
    openapi
        .paths
        .paths
        .insert("/api/environments/{id}/docker/{path}".to_string(), item);
    openapi
}
