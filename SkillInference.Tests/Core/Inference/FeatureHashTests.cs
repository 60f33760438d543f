using CsCheck;
using SkillInference.Inference;

namespace SkillInference.Tests.Core.Inference;

[TestClass]
public sealed class FeatureHashTests
{
    [TestMethod]
    public void Compute_EqualRows_HashEqual() =>
        Gen.Float.Array[1, 40].Sample(row => FeatureHash.Compute(row) == FeatureHash.Compute(row.ToArray()));

    [TestMethod]
    public void Compute_AnyValueChanged_HashDiffers() =>
        Gen.Select(Gen.Float[-1e6f, 1e6f].Array[2, 40], Gen.Int[0, 1000]).Sample((row, k) =>
        {
            var changed = row.ToArray();
            var i = k % row.Length;
            changed[i] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(changed[i]) ^ 1); // one bit
            return changed[i] == row[i] || FeatureHash.Compute(row) != FeatureHash.Compute(changed);
        });

    [TestMethod]
    public void Compute_SwappedValues_HashDiffers() =>
        Assert.AreNotEqual(FeatureHash.Compute([1f, 2f, 3f]), FeatureHash.Compute([2f, 1f, 3f]));

    [TestMethod]
    public void Compute_TrailingZero_HashDiffers() =>
        Assert.AreNotEqual(FeatureHash.Compute([1f, 2f]), FeatureHash.Compute([1f, 2f, 0f]));

    [TestMethod]
    public void Compute_AnyNaNAndSignedZero_HashAlike()
    {
        var otherNaN = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001));
        Assert.IsTrue(float.IsNaN(otherNaN));

        Assert.AreEqual(FeatureHash.Compute([float.NaN, 0f]), FeatureHash.Compute([otherNaN, -0f]));
    }

    [TestMethod]
    public void ComputeHex_IsSixteenLowerHexDigitsOfCompute() =>
        Assert.AreEqual(FeatureHash.Compute([0.5f, -2f]).ToString("x16", System.Globalization.CultureInfo.InvariantCulture), FeatureHash.ComputeHex([0.5f, -2f]));
}
