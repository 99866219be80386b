//! Reader pages through the local client.
