//! Trusted proxies: which peers may tell us the client's address through `X-Forwarded-For`.

use std::net::IpAddr;

/// A list of addresses and networks (`10.0.0.0/8`, `::1`) whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    networks: Vec<(IpAddr, u8)>,
}

impl TrustedProxies {
    /// Parses `ADDR` or `ADDR/PREFIX` entries.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let mut networks = Vec::new();
        for entry in entries {
            let (address, prefix) = match entry.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (entry.as_str(), None),
            };
            let address: IpAddr = address
                .trim()
                .parse()
                .map_err(|_| format!("trusted proxy {entry:?} is not an IP address or network"))?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(prefix) => prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|prefix| *prefix <= max)
                    .ok_or_else(|| format!("trusted proxy {entry:?} has a bad prefix length"))?,
                None => max,
            };
            networks.push((address, prefix));
        }
        Ok(TrustedProxies { networks })
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.networks
            .iter()
            .any(|(network, prefix)| in_network(address, *network, *prefix))
    }

    /// The client's address: walking `X-Forwarded-For` from the right while the hop is trusted.
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: &str) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_for.rsplit(',').map(str::trim) {
            let Ok(address) = hop.parse::<IpAddr>() else {
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

fn in_network(address: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (address, network) {
        (IpAddr::V4(address), IpAddr::V4(network)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(address) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(address), IpAddr::V6(network)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(address) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(trusted: &[&str], peer: &str, forwarded: &str, expected: &str) {
        let trusted: Vec<String> = trusted.iter().map(|entry| entry.to_string()).collect();
        let proxies = TrustedProxies::parse(&trusted).unwrap();
        let got = proxies.client_ip(peer.parse().unwrap(), forwarded);
        assert_eq!(got.to_string(), expected, "{trusted:?} {peer} {forwarded}");
    }

    #[test]
    fn resolves_client_addresses() {
        check(&[], "203.0.113.9", "198.51.100.1", "203.0.113.9");
        check(&["10.0.0.0/8"], "10.1.2.3", "198.51.100.1", "198.51.100.1");
        check(
            &["10.0.0.0/8"],
            "10.1.2.3",
            "6.6.6.6, 198.51.100.1, 10.9.9.9",
            "198.51.100.1",
        );
        check(&["10.0.0.1"], "10.0.0.2", "198.51.100.1", "10.0.0.2");
        check(&["::1"], "::1", "2001:db8::5", "2001:db8::5");
        check(&["10.0.0.0/8"], "10.1.2.3", "garbage", "10.1.2.3");
    }

    #[test]
    fn rejects_bad_entries() {
        assert!(TrustedProxies::parse(&["nope".into()]).is_err());
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["0.0.0.0/0".into()]).is_ok());
    }
}
