"""The local tier's control plane (issue 14): real Kubernetes components as processes on loopback."""
