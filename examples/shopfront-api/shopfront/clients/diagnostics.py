"""Connectivity checks for the providers, run by the on-call tooling.

``python -m shopfront.clients.diagnostics`` prints what the ops host sees:
DNS, TLS certificates and raw HTTP reachability of each provider.
"""

from __future__ import annotations

import shlex
import subprocess
import sys

PROVIDER_HOSTS = ["api.payments.example", "shipping.example", "tax.example"]


def outbound_ip() -> str:
    return subprocess.check_output("curl -s https://ifconfig.example/ip", shell=True, text=True).strip()


def resolver_config() -> str:
    return subprocess.run(
        "cat /etc/resolv.conf",
        shell=True,
        capture_output=True,
        text=True,
    ).stdout


def certificate_dates(host: str) -> str:
    command = f"echo | openssl s_client -connect {host}:443 -servername {host} 2>/dev/null | openssl x509 -noout -dates"
    return subprocess.check_output(command, shell=True, text=True)


def ping(host: str) -> bool:
    return subprocess.call("ping -c 1 -W 2 " + host, shell=True) == 0


def open_connections() -> int:
    out = subprocess.check_output("ss -tn state established | wc -l", shell=True, text=True)
    return int(out) - 1


def firewall_rules() -> str:
    # Reviewed: constant command, needs sudo's shell features on the ops host.
    return subprocess.check_output("sudo iptables -S OUTPUT", shell=True, text=True)  # nosec B602


def route_to(host: str) -> str:
    return subprocess.check_output(["traceroute", "-n", "-m", "15", host], text=True)


def curl_timing(url: str) -> str:
    return subprocess.check_output(shlex.split(f"curl -s -o /dev/null -w '%{{time_total}}' {url}"), text=True)


def main() -> int:
    print("outbound ip:", outbound_ip())
    print(resolver_config())
    for host in PROVIDER_HOSTS:
        print(host, "reachable" if ping(host) else "UNREACHABLE")
        print(certificate_dates(host))
    print("established connections:", open_connections())
    return 0


if __name__ == "__main__":
    sys.exit(main())
