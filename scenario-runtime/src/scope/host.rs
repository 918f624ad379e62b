//! Where the scope's containers reach the test process: the scope network's gateway, and a
//! listener bound there (see `primitives::host_alias`).

use std::net::{IpAddr, SocketAddr};

use super::Scope;
use crate::base::error::{Error, Result};
use crate::primitives::host_alias::gateway;

impl Scope {
    /// The host's address on the scenario network: where containers reach the test process,
    /// and what [`HOST_ALIAS`](crate::primitives::host_alias::HOST_ALIAS) resolves to inside them.
    pub async fn host_gateway(&self) -> Result<IpAddr> {
        let network = self.network().await?;
        gateway(self.engine(), network).await
    }

    /// A listener on the scenario network's gateway at a free port, for a stub the containers
    /// call back (`http://host.docker.internal:<port>/`). Only the scenario's network reaches it.
    pub async fn listen_for_containers(&self) -> Result<tokio::net::TcpListener> {
        let address = SocketAddr::new(self.host_gateway().await?, 0);
        tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| Error::io("listen for containers on the scenario network's gateway", address.to_string(), e))
    }
}
