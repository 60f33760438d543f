using SkillInference.Batch;

namespace SkillInference.Tests.Batch;

/// <summary>Reads a <see cref="StudentFeatureBlock"/> by row and feature name in tests.</summary>
internal static class BlockCells
{
    /// <summary>A cell's value, or null when it is missing; fails when the block has no such column.</summary>
    public static double? Of(StudentFeatureBlock block, int row, string name)
    {
        var column = block.Rows.FeatureNames.ToList().IndexOf(name);
        Assert.IsGreaterThanOrEqualTo(0, column, name);
        return block.Rows.MissingOf(row)[column] ? null : block.Rows.Row(row)[column];
    }
}
