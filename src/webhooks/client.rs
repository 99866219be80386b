//! One webhook POST: the host resolved and every address checked (so a name pointed at the
//! newsroom's network later is refused at delivery too), the connection made to a checked
//! address (so what was checked is what is reached), TLS for https, one HTTP/1.1 request with a
//! time limit on the whole exchange, and redirects not followed: only a 2xx counts.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rocket::tokio::io::{AsyncRead, AsyncWrite};
use rocket::tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use super::address::{self, Host, Target};

/// Why a POST did not get a 2xx, in words for the delivery log (never the secret or the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: Option<u16>,
    pub message: String,
    /// Trying again cannot help (the URL is refused); else the delivery is retried.
    pub permanent: bool,
}

fn failure(message: impl Into<String>) -> Failure {
    Failure {
        status: None,
        message: message.into(),
        permanent: false,
    }
}

/// The addresses `name` resolves to, from a blocking thread (saving a webhook); empty when it
/// does not resolve.
pub fn resolve_blocking(name: &str, port: u16) -> Vec<IpAddr> {
    (name, port)
        .to_socket_addrs()
        .map(|addrs| addrs.map(|a| a.ip()).collect())
        .unwrap_or_default()
}

fn tls() -> TlsConnector {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth())
            // The ring provider supports the default versions; this arm is never taken.
            .unwrap_or_else(|_| {
                ClientConfig::builder()
                    .with_root_certificates(RootCertStore::empty())
                    .with_no_client_auth()
            });
        Arc::new(config)
    });
    TlsConnector::from(config.clone())
}

/// The checked addresses to connect to.
async fn addresses(target: &Target, allow_private: bool) -> Result<Vec<SocketAddr>, Failure> {
    match &target.host {
        Host::Ip(ip) => Ok(vec![SocketAddr::new(*ip, target.port)]),
        Host::Name(name) => {
            let found: Vec<SocketAddr> =
                rocket::tokio::net::lookup_host((name.as_str(), target.port))
                    .await
                    .map_err(|e| failure(format!("cannot resolve {name}: {e}")))?
                    .collect();
            if found.is_empty() {
                return Err(failure(format!("{name} has no address")));
            }
            let ips: Vec<IpAddr> = found.iter().map(|a| a.ip()).collect();
            address::check_resolved(name, &ips, allow_private).map_err(|e| Failure {
                status: None,
                message: e.message.clone(),
                permanent: true,
            })?;
            Ok(found)
        }
    }
}

async fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, Failure> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(format!("cannot connect to {addr}: {e}")),
        }
    }
    Err(failure(
        last.unwrap_or_else(|| "no address to connect to".into()),
    ))
}

async fn exchange<S>(
    io: S,
    target: &Target,
    headers: &[(&str, String)],
    body: String,
) -> Result<u16, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| failure(format!("HTTP handshake failed: {e}")))?;
    let driver = rocket::tokio::spawn(conn);
    let host = match (target.url.host_str(), target.url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => String::new(),
    };
    let path = match target.url.query() {
        Some(q) => format!("{}?{q}", target.url.path()),
        None => target.url.path().to_owned(),
    };
    let mut request = hyper::Request::post(path)
        .header("Host", host)
        .header("Content-Type", "application/json")
        .header(
            "User-Agent",
            concat!("Errata-Webhook/", env!("CARGO_PKG_VERSION")),
        );
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| failure(format!("cannot build the request: {e}")))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| failure(format!("the request failed: {e}")))?;
    let status = response.status().as_u16();
    // The answer's body is not used; read a little so the receiver is not cut off mid-write.
    let _ =
        rocket::tokio::time::timeout(Duration::from_secs(1), response.into_body().collect()).await;
    driver.abort();
    Ok(status)
}

/// POSTs `body` to `url` with `headers`, within `timeout`. `Ok` is the 2xx status.
pub async fn post(
    url: &str,
    headers: &[(&str, String)],
    body: String,
    allow_private: bool,
    timeout: Duration,
) -> Result<u16, Failure> {
    let target = address::parse(url, allow_private).map_err(|e| Failure {
        status: None,
        message: e.message.clone(),
        permanent: true,
    })?;
    let attempt = async {
        let addrs = addresses(&target, allow_private).await?;
        let stream = connect(&addrs).await?;
        if target.https {
            let name = match &target.host {
                Host::Ip(ip) => ServerName::from(*ip),
                Host::Name(n) => ServerName::try_from(n.clone())
                    .map_err(|_| failure(format!("`{n}` is not a name TLS can check")))?,
            };
            let tls = tls()
                .connect(name, stream)
                .await
                .map_err(|e| failure(format!("TLS failed: {e}")))?;
            exchange(tls, &target, headers, body).await
        } else {
            exchange(stream, &target, headers, body).await
        }
    };
    let status = rocket::tokio::time::timeout(timeout, attempt)
        .await
        .map_err(|_| failure(format!("no answer within {} s", timeout.as_secs())))??;
    match status {
        200..=299 => Ok(status),
        300..=399 => Err(Failure {
            status: Some(status),
            message: format!("HTTP {status}: redirects are not followed; set the final URL"),
            permanent: false,
        }),
        _ => Err(Failure {
            status: Some(status),
            message: format!("HTTP {status}"),
            permanent: false,
        }),
    }
}
