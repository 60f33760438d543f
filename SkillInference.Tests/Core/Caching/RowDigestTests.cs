using SkillInference.Caching;

namespace SkillInference.Tests.Core.Caching;

[TestClass]
public sealed class RowDigestTests
{
    // RFC 4493, section 4: AES-128 key 2b7e1516 28aed2a6 abf71588 09cf4f3c and its four examples.
    private static readonly byte[] Key = Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c");
    private const string Message64 = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

    [TestMethod]
    [DataRow(0, "bb1d6929e95937287fa37d129b756746")]
    [DataRow(16, "070a16b46b4d4144f79bdd9dd04a287c")]
    [DataRow(40, "dfa66747de9ae63030ca32611497c827")]
    [DataRow(64, "51f0bebf7e3b9d92fc49741779363cfe")]
    public void ComputeBytes_Rfc4493Examples_MatchTheRfc(int length, string expected)
    {
        var message = Convert.FromHexString(Message64)[..length];

        foreach (var accelerate in new[] { true, false })
        {
            var tag = new RowDigest(Key, accelerate).ComputeBytes(message);
            Assert.AreEqual(expected, Convert.ToHexStringLower(tag), $"accelerated: {accelerate}");
        }
    }

    [TestMethod]
    public void Compute_AnyRow_EqualsTheCmacOfItsNormalizedLittleEndianBits()
    {
        var digest = new RowDigest(Key);
        var random = new Random(11);
        for (var n = 0; n < 40; n++)
        {
            var row = new float[n];
            var bytes = new byte[n * 4];
            for (var i = 0; i < n; i++)
            {
                row[i] = random.Next(8) switch { 0 => float.NaN, 1 => -0f, 2 => 0f, _ => (float)(random.NextDouble() * 200 - 100) };
                var bits = float.IsNaN(row[i]) ? 0x7FC00000u : row[i] == 0 ? 0u : BitConverter.SingleToUInt32Bits(row[i]);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), bits);
            }

            var expected = System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest.ComputeBytes(bytes));
            Assert.AreEqual(expected, digest.Compute(row), $"{n} features");
            Assert.AreEqual(expected, new RowDigest(Key, accelerate: false).Compute(row), $"{n} features, platform AES");
        }
    }

    [TestMethod]
    public void Compute_MissingAndSignedZero_DigestAlikeAndAnyOtherChangeDiffers()
    {
        var digest = new RowDigest();
        float[] row = [1.5f, 0f, float.NaN, 3f, 4f];

        Assert.AreEqual(digest.Compute(row), digest.Compute([1.5f, -0f, BitConverter.UInt32BitsToSingle(0xFFC00001), 3f, 4f]));
        Assert.AreNotEqual(digest.Compute(row), digest.Compute([1.5f, 0f, float.NaN, 3f, 4.0000005f]));
        Assert.AreNotEqual(digest.Compute(row), digest.Compute([1.5f, 0f, float.NaN, 3f]));
        Assert.AreNotEqual(digest.Compute(row), new RowDigest().Compute(row), "another key, another digest");
        Assert.AreEqual(new RowDigest("shared secret").Compute(row), new RowDigest("shared secret").Compute(row), "one secret, one digest on every instance");
    }
}
