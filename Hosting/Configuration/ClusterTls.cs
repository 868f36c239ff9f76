using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using static Hosting.Configuration.Setting;

namespace Hosting.Configuration;

/// <summary>
/// Mutual TLS on the cluster's own connections (silo to silo, front end to gateway): this node's certificate and the
/// authorities a peer's certificate must chain to. Being signed by one of them is the whole identity check: silos are
/// addressed by IP and come and go, so host names are not compared.
/// </summary>
public sealed class ClusterTls
{
    private ClusterTls(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        Authorities = authorities;
    }

    /// <summary>Presented to every peer; it needs both server and client authentication, as a silo is both.</summary>
    public X509Certificate2 Certificate { get; }

    public X509Certificate2Collection Authorities { get; }

    /// <summary>ORLEANS_TLS_CERT, ORLEANS_TLS_KEY and ORLEANS_TLS_CA (PEM file paths), all or none; null when none.</summary>
    public static ClusterTls? From(IConfiguration config)
    {
        var (certificatePath, keyPath, authorityPath) =
            (Optional(config, "ORLEANS_TLS_CERT"), Optional(config, "ORLEANS_TLS_KEY"), Optional(config, "ORLEANS_TLS_CA"));
        if (certificatePath is null && keyPath is null && authorityPath is null)
        {
            return null;
        }

        if (certificatePath is null || keyPath is null || authorityPath is null)
        {
            throw new ConfigurationException("ORLEANS_TLS_CERT, ORLEANS_TLS_KEY and ORLEANS_TLS_CA must be set together.");
        }

        var tls = new ClusterTls(LoadCertificate(certificatePath, keyPath), LoadAuthorities(authorityPath));
        if (!tls.Trusts(tls.Certificate))
        {
            throw new ConfigurationException("ORLEANS_TLS_CERT is not signed by an authority of ORLEANS_TLS_CA, so no peer would accept it.");
        }

        return tls;
    }

    /// <summary>True when the peer's certificate chains to one of the authorities (the system's own roots play no part).</summary>
    public bool Trusts(X509Certificate2 peer)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities);
        // A private cluster authority publishes no revocation list; rotate by replacing the authority instead.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(peer);
    }

    private static X509Certificate2 LoadCertificate(string certificatePath, string keyPath)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ConfigurationException(
                $"ORLEANS_TLS_CERT and ORLEANS_TLS_KEY must name a readable PEM certificate and its private key: {e.Message}");
        }
    }

    private static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"ORLEANS_TLS_CA must name a readable PEM file of certificates: {e.Message}");
        }

        return authorities.Count > 0
            ? authorities
            : throw new ConfigurationException($"ORLEANS_TLS_CA names '{path}', which holds no PEM certificate.");
    }
}
