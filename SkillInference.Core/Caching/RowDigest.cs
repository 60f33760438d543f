using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SkillInference.Caching;

/// <summary>
/// A keyed digest of a prepared feature row (HMAC-SHA256, 128 bits): what a cache entry is filed and matched under.
/// Keyed, so that nobody without the key can craft a different row with the same digest (the unkeyed
/// <see cref="Inference.FeatureHash"/> is invertible: a colliding row is found in a few tries), nor learn feature values
/// from a digest. NaN (missing) and -0 are normalized as <see cref="Inference.FeatureHash"/> does: they score alike.
/// </summary>
internal sealed class RowDigest
{
    private readonly byte[] _key;

    /// <summary>A digest with a key of its own (an in-process cache: its entries never leave the process).</summary>
    public RowDigest()
        : this(RandomNumberGenerator.GetBytes(32))
    {
    }

    /// <summary>A digest with a key derived from a shared secret (every instance sharing a cache computes the same digests).</summary>
    public RowDigest(string secret)
        : this(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), "skillinference:feature-row-digest:v1"u8))
    {
    }

    private RowDigest(byte[] key) => _key = key;

    /// <summary>The digest of a row.</summary>
    public UInt128 Compute(ReadOnlySpan<float> row)
    {
        var length = row.Length * sizeof(float);
        byte[]? rented = null;
        var bytes = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            for (var i = 0; i < row.Length; i++)
            {
                var value = row[i];
                var bits = float.IsNaN(value) ? 0x7FC00000u : value == 0 ? 0u : BitConverter.SingleToUInt32Bits(value);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes[(i * 4)..], bits);
            }

            Span<byte> mac = stackalloc byte[32];
            HMACSHA256.HashData(_key, bytes, mac);
            return BinaryPrimitives.ReadUInt128LittleEndian(mac);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
