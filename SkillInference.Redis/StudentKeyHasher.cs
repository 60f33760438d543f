using System.Security.Cryptography;
using System.Text;

namespace SkillInference.Redis;

/// <summary>
/// Turns a student id into a cache key with a keyed hash (HMAC-SHA256, 128 bits, hex), so that no cache key or value
/// carries the raw id, and ids cannot be recovered from keys without the secret.
/// </summary>
internal sealed class StudentKeyHasher
{
    private const int MaxRemembered = 100_000;
    private readonly byte[] _secret;

    // Recent ids and their keys (in process memory only), so a hot student's HMAC is computed once.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _recent = new(StringComparer.Ordinal);

    /// <summary>Creates a hasher with a secret (required: without one the ids behind the keys could be recovered by brute force).</summary>
    public StudentKeyHasher(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        _secret = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The key for a student id.</summary>
    public string Hash(string studentId)
    {
        ArgumentNullException.ThrowIfNull(studentId);
        if (_recent.TryGetValue(studentId, out var known))
        {
            return known;
        }

        var key = Compute(studentId);
        if (_recent.Count >= MaxRemembered)
        {
            _recent.Clear();
        }

        _recent.TryAdd(studentId, key);
        return key;
    }

    private string Compute(string studentId)
    {
        Span<byte> mac = stackalloc byte[32];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(studentId.Length);
        var buffer = maxBytes <= 512 ? stackalloc byte[512] : new byte[maxBytes];
        var length = Encoding.UTF8.GetBytes(studentId, buffer);
        HMACSHA256.HashData(_secret, buffer[..length], mac);
        return Convert.ToHexStringLower(mac[..16]);
    }
}
