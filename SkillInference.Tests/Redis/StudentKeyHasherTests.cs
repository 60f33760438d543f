using System.Security.Cryptography;
using System.Text;
using SkillInference.Redis;

namespace SkillInference.Tests.Redis;

[TestClass]
public sealed class StudentKeyHasherTests
{
    [TestMethod]
    public void Hash_Student_IsHmacSha256TruncatedToHexAndHidesTheId()
    {
        var hasher = new StudentKeyHasher("secret");

        var key = hasher.Hash("S0000042");

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("secret"), Encoding.UTF8.GetBytes("S0000042"))[..16]);
        Assert.AreEqual(expected, key);
        Assert.DoesNotContain("S0000042", key);
        Assert.DoesNotContain("0000042", key);
    }

    [TestMethod]
    public void Hash_DifferentSecrets_GiveDifferentKeys() =>
        Assert.AreNotEqual(new StudentKeyHasher("a").Hash("S1"), new StudentKeyHasher("b").Hash("S1"));

    /// <summary>Finding 3: there is no built-in development key to fall back to.</summary>
    [TestMethod]
    public void Constructor_NoSecret_Throws() =>
        Assert.ThrowsExactly<ArgumentException>(() => new StudentKeyHasher(""));
}
