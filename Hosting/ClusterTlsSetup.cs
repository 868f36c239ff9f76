using Hosting.Configuration;
using Orleans.Connections.Security;

namespace Hosting;

/// <summary>
/// Turns <see cref="ClusterTls"/> into Orleans' TLS middleware: each end of every silo and gateway connection
/// presents its certificate and refuses a peer whose certificate does not chain to the cluster's authority.
/// </summary>
public static class ClusterTlsSetup
{
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ClusterTls? tls) =>
        tls is null ? silo : silo.UseTls(tls.Certificate, options => Require(options, tls));

    public static IClientBuilder UseClusterTls(this IClientBuilder client, ClusterTls? tls) =>
        tls is null ? client : client.UseTls(tls.Certificate, options => Require(options, tls));

    private static void Require(TlsOptions options, ClusterTls tls)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // The system's verdict (untrusted root, no name match for an IP-addressed silo) is replaced by the chain check.
        options.RemoteCertificateValidation = (certificate, _, _) => tls.Trusts(certificate);
    }
}
