using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SkillInference.Monitoring;

/// <summary>
/// A reference histogram's bins moved into the space the pipeline's rows live in: the scaled float32 a model scores.
/// Drift compares live features with a reference of raw values, so each value would otherwise be unscaled in double
/// (<c>value × scale + mean</c>, nudged up by a millionth so that a discrete value lying on an edge is not dropped into
/// the bin below by the unscaling's rounding) and then binary-searched among the edges, one unpredictable branch per
/// step. Instead, each edge becomes the smallest float whose unscaled, nudged value reaches it, found once per model
/// by bisecting the floats; a row's bin is then how many of those thresholds its float is at or above — a few vector
/// compares, no double arithmetic, no branch — and it is the bin the double computation gives, for every float.
/// </summary>
internal sealed class ScaledBins
{
    private const float Never = float.NaN;

    // Per feature: its thresholds, padded with NaN (which no value is at or above) to whole vectors.
    private readonly float[] _thresholds;
    private readonly int[] _start;
    private readonly int[] _length;
    private readonly float[] _sign;

    private ScaledBins(float[] thresholds, int[] start, int[] length, float[] sign)
    {
        _thresholds = thresholds;
        _start = start;
        _length = length;
        _sign = sign;
    }

    /// <summary>
    /// The bins of each histogram for values that are unscaled before binning: <c>raw = value × scale + mean</c>, then
    /// <c>raw + 1e-6 × max(1, |raw|)</c>. Returns null when an edge list is not ascending (or holds NaN): such a
    /// reference has no threshold form, and is binned the slow way.
    /// </summary>
    public static ScaledBins? ForScaledFeatures(IReadOnlyList<double[]> edges, IReadOnlyList<double> scale, IReadOnlyList<double> mean)
    {
        ArgumentNullException.ThrowIfNull(edges);
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(mean);
        return Build(edges, f => (Math.Abs(scale[f]), mean[f], scale[f] < 0 ? -1f : 1f, true));
    }

    /// <summary>The bins of histograms over values taken as they are (a model's probability).</summary>
    public static ScaledBins? ForRawValues(IReadOnlyList<double[]> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        return Build(edges, _ => (1, 0, 1f, false));
    }

    /// <summary>The bin of <paramref name="value"/> (not NaN) in histogram <paramref name="histogram"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int BinOf(int histogram, float value)
    {
        var x = Vector128.Create(value * _sign[histogram]);
        ref var t = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_thresholds), _start[histogram]);
        var bin = 0;
        for (var i = 0; i < _length[histogram]; i += Vector128<float>.Count)
        {
            bin += BitOperations.PopCount(Vector128.GreaterThanOrEqual(x, Vector128.LoadUnsafe(ref t, (nuint)i)).ExtractMostSignificantBits());
        }

        return bin;
    }

    private static ScaledBins? Build(IReadOnlyList<double[]> edges, Func<int, (double Scale, double Mean, float Sign, bool Nudge)> unscaling)
    {
        var start = new int[edges.Count];
        var length = new int[edges.Count];
        var sign = new float[edges.Count];
        var thresholds = new List<float>();
        for (var h = 0; h < edges.Count; h++)
        {
            var e = edges[h];
            for (var i = 1; i < e.Length; i++)
            {
                if (!(e[i - 1] <= e[i]))
                {
                    return null;
                }
            }

            var (scale, mean, s, nudge) = unscaling(h);
            start[h] = thresholds.Count;
            sign[h] = s;

            // Bins are [e_i, e_i+1) with values outside going to the first or last bin: the bin is how many of
            // e_1 .. e_(n-2) the value is at or above.
            for (var k = 1; k <= e.Length - 2; k++)
            {
                thresholds.Add(SmallestReaching(e[k], scale, mean, nudge));
            }

            while ((thresholds.Count - start[h]) % Vector128<float>.Count != 0)
            {
                thresholds.Add(Never);
            }

            length[h] = thresholds.Count - start[h];
        }

        return new ScaledBins([.. thresholds], start, length, sign);
    }

    /// <summary>
    /// What a float is worth against the reference's edges: the value the slow path compares (for a feature, its
    /// unscaled and nudged value). Non-decreasing in <paramref name="value"/> for a positive scale, which the bisection
    /// needs: each step is a correctly rounded operation that is monotonic in its operand.
    /// </summary>
    internal static double Unscaled(float value, double scale, double mean, bool nudge)
    {
        if (!nudge)
        {
            return value;
        }

        var raw = (value * scale) + mean;
        return raw + (1e-6 * Math.Max(1, Math.Abs(raw)));
    }

    /// <summary>The smallest float (−∞ … +∞) whose value reaches <paramref name="edge"/>; NaN when none does.</summary>
    private static float SmallestReaching(double edge, double scale, double mean, bool nudge)
    {
        // Floats in order as unsigned keys: negative ones reversed below the positive ones.
        static uint Key(float f) => BitConverter.SingleToUInt32Bits(f) is var b && (b & 0x8000_0000) != 0 ? ~b : b | 0x8000_0000;
        static float FromKey(uint k) => BitConverter.UInt32BitsToSingle((k & 0x8000_0000) != 0 ? k & 0x7FFF_FFFF : ~k);
        bool Reaches(uint k) => Unscaled(FromKey(k), scale, mean, nudge) >= edge;

        uint lo = Key(float.NegativeInfinity), hi = Key(float.PositiveInfinity);
        if (!Reaches(hi))
        {
            return Never;
        }

        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (Reaches(mid))
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return FromKey(lo);
    }
}
