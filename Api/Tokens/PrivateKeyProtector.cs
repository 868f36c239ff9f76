using System.Security.Cryptography;
using System.Text;

namespace Api.Tokens;

/// <summary>
/// Seals private keys for storage with AES-256-GCM under JWT_KEY_ENCRYPTION_KEY: nonce ‖ tag ‖ ciphertext,
/// with the key id as associated data, so a sealed key cannot be swapped under another kid unnoticed.
/// </summary>
public sealed class PrivateKeyProtector(byte[] encryptionKey)
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public byte[] Seal(string keyId, ReadOnlySpan<byte> privateKey)
    {
        var sealedKey = new byte[NonceBytes + TagBytes + privateKey.Length];
        var nonce = sealedKey.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(encryptionKey, TagBytes);
        aes.Encrypt(nonce, privateKey, sealedKey.AsSpan(NonceBytes + TagBytes), sealedKey.AsSpan(NonceBytes, TagBytes), Encoding.UTF8.GetBytes(keyId));
        return sealedKey;
    }

    /// <summary>The private key; throws <see cref="CryptographicException"/> under another encryption key or when tampered with.</summary>
    public byte[] Open(string keyId, byte[] sealedKey)
    {
        if (sealedKey.Length <= NonceBytes + TagBytes)
        {
            throw new CryptographicException("The sealed key is too short.");
        }

        var privateKey = new byte[sealedKey.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(encryptionKey, TagBytes);
        aes.Decrypt(
            sealedKey.AsSpan(0, NonceBytes),
            sealedKey.AsSpan(NonceBytes + TagBytes),
            sealedKey.AsSpan(NonceBytes, TagBytes),
            privateKey,
            Encoding.UTF8.GetBytes(keyId));
        return privateKey;
    }
}
