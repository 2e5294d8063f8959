//! VI7xx: gateways whose TLS files come from Vault — Istio `Gateway` servers and
//! `DestinationRule` client settings that name files, and the gateway pods that must have
//! them (reference: docs/rules.md; the facts behind each rule are in its docs).

pub mod vi702_tls_mode_omitted;

use crate::gateway::{IstioGateway, Located, Server, Tls};
use crate::model::Place;

/// `at`, moved to `place` in the same file and document.
pub(crate) fn at(object: &Located, place: &Place) -> Located {
    Located {
        file: object.file.clone(),
        document: object.document,
        place: place.clone(),
    }
}

/// `Gateway ns/name` (or `Gateway name`), as findings name it.
pub(crate) fn gateway_name(gw: &IstioGateway) -> String {
    match &gw.namespace {
        Some(ns) => format!("Gateway {ns}/{}", gw.name),
        None => format!("Gateway {}", gw.name),
    }
}

/// Every server of every Gateway with a `tls` block: (gateway, server, tls).
pub(crate) fn server_tls(
    gateways: &[IstioGateway],
) -> impl Iterator<Item = (&IstioGateway, &Server, &Tls)> {
    gateways.iter().flat_map(|g| {
        g.servers
            .iter()
            .filter_map(move |s| s.tls.as_ref().map(|t| (g, s, t)))
    })
}

/// `port 443 (HTTPS)` for messages; messages start with it (lower case, rule style).
pub(crate) fn port_label(s: &Server) -> String {
    match (s.port_number, &s.protocol) {
        (Some(n), Some(p)) => format!("port {n} ({p})"),
        (Some(n), None) => format!("port {n}"),
        (None, Some(p)) => format!("the {p} server"),
        (None, None) => format!("servers[{}]", s.index),
    }
}
