using System.Text.Json.Serialization;

namespace SkillInference.Schema;

/// <summary>The rule applied when an optional feature is absent from a request.</summary>
/// <param name="Rule">The strategy.</param>
/// <param name="Value">The value for <see cref="MissingValueStrategy.Constant"/>; null otherwise.</param>
public sealed record MissingValueRule(
    [property: JsonPropertyName("rule")] MissingValueStrategy Rule,
    [property: JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Value = null)
{
    /// <summary>Pass NaN: the trees' learned default branch.</summary>
    public static MissingValueRule Native { get; } = new(MissingValueStrategy.Native);

    /// <summary>Impute the training median.</summary>
    public static MissingValueRule Median { get; } = new(MissingValueStrategy.Median);

    /// <summary>Impute the training mean.</summary>
    public static MissingValueRule Mean { get; } = new(MissingValueStrategy.Mean);

    /// <summary>Impute a constant.</summary>
    public static MissingValueRule Constant(double value) => new(MissingValueStrategy.Constant, value);

    /// <inheritdoc />
    public override string ToString() => Rule == MissingValueStrategy.Constant
        ? FormattableString.Invariant($"constant({Value})")
        : Rule.ToString().ToLowerInvariant();
}
