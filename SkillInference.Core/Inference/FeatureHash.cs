namespace SkillInference.Inference;

/// <summary>
/// A stable 64-bit hash of a prepared feature row (after imputation, ordering and scaling): equal rows hash equal on
/// every machine and process, and any change of a value changes it. Keys caches and makes batch writes idempotent.
/// </summary>
internal static class FeatureHash
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;

    /// <summary>The hash of a row as a number.</summary>
    public static ulong Compute(ReadOnlySpan<float> row)
    {
        var hash = Prime3 ^ ((ulong)row.Length * Prime1);
        var i = 0;
        for (; i + 1 < row.Length; i += 2)
        {
            var lane = ((ulong)Bits(row[i + 1]) << 32) | Bits(row[i]);
            hash = Round(hash, lane);
        }

        if (i < row.Length)
        {
            hash = Round(hash, Bits(row[i]));
        }

        // Final avalanche (xxHash64's).
        hash ^= hash >> 33;
        hash *= Prime2;
        hash ^= hash >> 29;
        hash *= Prime3;
        hash ^= hash >> 32;
        return hash;
    }

    /// <summary>The hash of a row as 16 lower-case hex digits.</summary>
    public static string ComputeHex(ReadOnlySpan<float> row) => ToHex(Compute(row));

    /// <summary>A hash as 16 lower-case hex digits.</summary>
    internal static string ToHex(ulong hash) => string.Create(16, hash, static (chars, h) =>
    {
        for (var i = 15; i >= 0; i--)
        {
            chars[i] = "0123456789abcdef"[(int)(h & 0xF)];
            h >>= 4;
        }
    });

    private static ulong Round(ulong hash, ulong lane)
    {
        lane *= Prime2;
        lane = ulong.RotateLeft(lane, 31);
        lane *= Prime1;
        hash ^= lane;
        return (ulong.RotateLeft(hash, 27) * Prime1) + 0x85EBCA77C2B2AE63UL;
    }

    // Every NaN hashes alike (all mean "missing"); -0 and +0 hash alike (they score alike).
    private static uint Bits(float value) =>
        float.IsNaN(value) ? 0x7FC00000u : value == 0 ? 0u : BitConverter.SingleToUInt32Bits(value);
}
