using System.Text;
using CsCheck;
using SkillInference.Batch.Relational;

namespace SkillInference.Tests.Batch;

/// <summary>Student ids compare in C# as the databases compare them: by the bytes of their UTF-8.</summary>
[TestClass]
public sealed class StudentIdOrderTests
{
    private static readonly Gen<string> Ids = Gen.Frequency(
        (3, (IGen<string>)Gen.String[0, 8].Where(s => !s.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))), // valid UTF-16: pairs come from the parts below
        (2, Gen.OneOf(Gen.Const("S"), Gen.Const("S0000042"), Gen.Const("\uFFFD"), Gen.Const("\uE000"), Gen.Const("😀"), Gen.Const("\uD83D\uDE00x"), Gen.Const("é"), Gen.Const("z"))
            .Array[1, 3].Select(parts => string.Concat(parts))));

    [TestMethod]
    public void Compare_AnyTwoIds_HasTheSignOfTheirUtf8BytesCompared()
    {
        Gen.Select(Ids, Ids).Sample((x, y) =>
        {
            var expected = Math.Sign(Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y)));
            return Math.Sign(StudentIdOrder.Instance.Compare(x, y)) == expected;
        });
    }

    [TestMethod]
    public void Compare_SupplementaryCharacterAndPrivateUseCharacter_SortsAsUtf8()
    {
        // UTF-16 puts the surrogate pair of U+1F600 before U+E000; UTF-8 (and the databases) after it.
        Assert.IsLessThan(0, string.CompareOrdinal("😀", "\uE000"));
        Assert.IsGreaterThan(0, StudentIdOrder.Instance.Compare("😀", "\uE000"));
    }
}
