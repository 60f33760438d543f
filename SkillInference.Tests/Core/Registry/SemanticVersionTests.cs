using CsCheck;
using SkillInference.Registry;

namespace SkillInference.Tests.Core.Registry;

[TestClass]
public sealed class SemanticVersionTests
{
    // Versions with few distinct parts, so that generated pairs are often equal or differ only in the pre-release.
    private static readonly Gen<SemanticVersion> GenVersion =
        Gen.Select(
            Gen.Int[0, 3],
            Gen.Int[0, 3],
            Gen.Int[0, 3],
            Gen.Bool,
            Gen.OneOf("alpha", "beta", "rc", "x-y", "A", "0", "1", "2", "10", "11", "999999").Array[1, 3])
        .Select((major, minor, patch, release, ids) => new SemanticVersion(major, minor, patch, release ? null : string.Join('.', ids)));

    [TestMethod]
    [DataRow("0.0.0", 0, 0, 0, null)]
    [DataRow("1.2.3", 1, 2, 3, null)]
    [DataRow("10.20.30", 10, 20, 30, null)]
    [DataRow("999999999.0.1", 999999999, 0, 1, null)]
    [DataRow("1.0.0-alpha", 1, 0, 0, "alpha")]
    [DataRow("1.0.0-rc.1", 1, 0, 0, "rc.1")]
    [DataRow("1.0.0-x-y.0.a1", 1, 0, 0, "x-y.0.a1")]
    [DataRow("2.0.0-0", 2, 0, 0, "0")]
    public void Parse_ValidText_ReturnsParts(string text, int major, int minor, int patch, string? preRelease)
    {
        var version = SemanticVersion.Parse(text);

        Assert.AreEqual(new SemanticVersion(major, minor, patch, preRelease), version);
        Assert.AreEqual(text, version.ToString());
    }

    [TestMethod]
    [DataRow("", DisplayName = "empty")]
    [DataRow("1", DisplayName = "major only")]
    [DataRow("1.2", DisplayName = "patch missing")]
    [DataRow("1..3", DisplayName = "minor empty")]
    [DataRow("1.2.", DisplayName = "patch empty")]
    [DataRow(".1.2", DisplayName = "major empty")]
    [DataRow("1.2.3.4", DisplayName = "four parts")]
    [DataRow("01.2.3", DisplayName = "leading zero major")]
    [DataRow("1.02.3", DisplayName = "leading zero minor")]
    [DataRow("1.2.03", DisplayName = "leading zero patch")]
    [DataRow("1.0.0-01", DisplayName = "leading zero numeric pre-release")]
    [DataRow("1.0.0-rc.007", DisplayName = "leading zero numeric pre-release identifier")]
    [DataRow("v1.2.3", DisplayName = "v prefix")]
    [DataRow(" 1.2.3", DisplayName = "leading space")]
    [DataRow("1.2.3 ", DisplayName = "trailing space")]
    [DataRow("-1.2.3", DisplayName = "negative")]
    [DataRow("+1.2.3", DisplayName = "plus sign")]
    [DataRow("a.b.c", DisplayName = "letters")]
    [DataRow("1.2.3-", DisplayName = "empty pre-release")]
    [DataRow("1.2.3-rc..1", DisplayName = "empty pre-release identifier")]
    [DataRow("1.2.3-rc.", DisplayName = "trailing dot in pre-release")]
    [DataRow("1.2.3-rc_1", DisplayName = "underscore in pre-release")]
    [DataRow("1234567890.0.0", DisplayName = "part too large")]
    [DataRow("١.٢.٣", DisplayName = "non-ASCII digits")]
    public void TryParse_InvalidText_ReturnsFalse(string text)
    {
        var ok = SemanticVersion.TryParse(text, out var version);

        Assert.IsFalse(ok);
        Assert.AreEqual(default, version);
    }

    [TestMethod]
    public void TryParse_Null_ReturnsFalse()
    {
        var ok = SemanticVersion.TryParse(null, out _);

        Assert.IsFalse(ok);
    }

    [TestMethod]
    public void Parse_InvalidText_ThrowsFormatExceptionQuotingIt()
    {
        var ex = Assert.ThrowsExactly<FormatException>(() => SemanticVersion.Parse("1.2"));

        Assert.Contains("'1.2'", ex.Message);
    }

    [TestMethod]
    public void CompareTo_SemverOrgPrecedenceExample_SortsAscending()
    {
        // The precedence example of semver.org, section 11.
        string[] expected = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"];
        var shuffled = expected.Reverse().Select(SemanticVersion.Parse).ToArray();

        var sorted = shuffled.Order().Select(v => v.ToString()).ToArray();

        CollectionAssert.AreEqual(expected, sorted);
    }

    [TestMethod]
    [DataRow("1.0.0", "2.0.0")]
    [DataRow("2.0.0", "2.1.0")]
    [DataRow("2.1.0", "2.1.1")]
    [DataRow("1.9.0", "1.10.0")]
    [DataRow("1.0.9", "1.0.10")]
    [DataRow("1.0.0-rc.1", "1.0.0")]
    [DataRow("1.0.0", "1.0.1-alpha")]
    [DataRow("1.0.0-2", "1.0.0-10")]
    [DataRow("1.0.0-999", "1.0.0-alpha")]
    [DataRow("1.0.0-Beta", "1.0.0-alpha")]
    [DataRow("1.0.0-alpha", "1.0.0-alpha.0")]
    [DataRow("1.0.0-9999999999", "1.0.0-10000000000")]
    public void CompareTo_LowerVersion_IsLessThanHigher(string lower, string higher)
    {
        var a = SemanticVersion.Parse(lower);
        var b = SemanticVersion.Parse(higher);

        Assert.IsLessThan(0, a.CompareTo(b));
        Assert.IsGreaterThan(0, b.CompareTo(a));
        Assert.IsTrue(a < b);
        Assert.IsTrue(b > a);
        Assert.IsTrue(a <= b);
        Assert.IsFalse(a >= b);
    }

    [TestMethod]
    public void ParseToString_AnyVersion_RoundTrips()
    {
        var gen = Gen.Select(Gen.Int[0, 999_999_999], Gen.Int[0, 999_999_999], Gen.Int[0, 999_999_999], GenVersion)
            .Select((major, minor, patch, v) => v with { Major = major, Minor = minor, Patch = patch });

        gen.Sample(v => Assert.AreEqual(v, SemanticVersion.Parse(v.ToString())), iter: 2_000);
    }

    [TestMethod]
    public void CompareTo_AnyPair_IsAntisymmetricAndConsistentWithEquals()
    {
        Gen.Select(GenVersion, GenVersion).Sample((a, b) =>
        {
            Assert.AreEqual(Math.Sign(a.CompareTo(b)), -Math.Sign(b.CompareTo(a)), $"{a} vs {b}");
            Assert.AreEqual(a.Equals(b), a.CompareTo(b) == 0, $"{a} vs {b}");
        }, iter: 5_000);
    }

    [TestMethod]
    public void CompareTo_AnyTriple_IsTransitive()
    {
        Gen.Select(GenVersion, GenVersion, GenVersion).Sample((a, b, c) =>
        {
            if (a.CompareTo(b) <= 0 && b.CompareTo(c) <= 0)
            {
                Assert.IsLessThanOrEqualTo(0, a.CompareTo(c), $"{a} <= {b} <= {c}");
            }
        }, iter: 5_000);
    }

    [TestMethod]
    public void CompareTo_SortedList_IsOrderedPairwise()
    {
        // Sorting then checking every pair exercises transitivity over many more triples than random sampling.
        GenVersion.Array[2, 40].Sample(versions =>
        {
            var sorted = versions.Order().ToArray();
            for (var i = 0; i < sorted.Length; i++)
            {
                for (var j = i + 1; j < sorted.Length; j++)
                {
                    Assert.IsLessThanOrEqualTo(0, sorted[i].CompareTo(sorted[j]), $"{sorted[i]} before {sorted[j]}");
                }
            }
        }, iter: 500);
    }

    [TestMethod]
    public void CompareTo_ReleaseVersions_MatchesTupleOrder()
    {
        var gen = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 5], Gen.Int[0, 5]);

        Gen.Select(gen, gen).Sample((x, y) =>
        {
            var a = new SemanticVersion(x.Item1, x.Item2, x.Item3);
            var b = new SemanticVersion(y.Item1, y.Item2, y.Item3);

            Assert.AreEqual(Math.Sign(x.CompareTo(y)), Math.Sign(a.CompareTo(b)), $"{a} vs {b}");
        }, iter: 2_000);
    }
}
