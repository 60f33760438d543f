using SkillInference.Batch;

namespace SkillInference.Tests.Batch;

/// <summary>A shard's assessments in columns: the rows read back as written, each shared combination stored once.</summary>
[TestClass]
public sealed class AssessmentBlockTests
{
    private static readonly Guid Run = Guid.Parse("0190f5c4-0000-7000-8000-000000000001");
    private static readonly DateTimeOffset At = new(2026, 9, 1, 2, 0, 0, TimeSpan.Zero);

    [TestMethod]
    public void Of_Assessments_ReadBackInOrderWithOneKindPerSkillVersionVariantRunAndTime()
    {
        SkillAssessment[] rows =
        [
            new("S1", "collaboration", 0.25, 0.5, "1.0.0", "deployed", "00000000000000a1", Run, At),
            new("S1", "creativity", 0.5, 0, "2.0.0", "deployed", "00000000000000a2", Run, At),
            new("S2", "collaboration", 0.75, 0.5, "1.0.0", "deployed", "00000000000000b1", Run, At),
            new("S2", "collaboration", 1, 1, "1.1.0", "variant", "00000000000000b1", Run, At),
            new("S3", "collaboration", 0, 1, "1.0.0", "deployed", "00000000000000c1", Run, At.AddSeconds(1)),
        ];

        var block = AssessmentBlock.Of(rows);

        CollectionAssert.AreEqual(rows, block.ToArray());
        Assert.HasCount(4, block.Kinds, "(collaboration, 1.0.0) at two times, (creativity, 2.0.0), (collaboration, 1.1.0, variant)");
        CollectionAssert.AreEqual(new[] { 0, 1, 0, 2, 3 }, block.KindIndices.ToArray());
    }

    [TestMethod]
    public void Add_UnknownKind_Throws()
    {
        var block = new AssessmentBlock();

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => block.Add("S1", 0, 0.5, 0.5, "00000000000000a1"));
    }
}
