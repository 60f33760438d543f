using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace SkillInference.Schema;

/// <summary>
/// The ordered features of a skill model. The order is the model's input order.
/// </summary>
public sealed partial class FeatureSchema
{
    /// <summary>A name no feature may have: explanations report the bias under it.</summary>
    public const string ReservedName = "bias";

    private readonly FrozenDictionary<string, int> _indexByName;

    private FeatureSchema(IReadOnlyList<FeatureSpec> features)
    {
        Features = features;
        _indexByName = features.Select((f, i) => KeyValuePair.Create(f.Name, i)).ToFrozenDictionary(StringComparer.Ordinal);
        Fingerprint = ComputeFingerprint(features);
    }

    /// <summary>The features, in model input order.</summary>
    public IReadOnlyList<FeatureSpec> Features { get; }

    /// <summary>The number of features.</summary>
    public int Count => Features.Count;

    /// <summary>
    /// A hash of the contract a caller depends on: names and order, ranges, required flags and missing rules.
    /// Two schemas with the same fingerprint accept the same requests. Descriptions, units and groups are not part of it.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>The position of a feature, or -1 when the schema has no feature of that name.</summary>
    public int IndexOf(string name) => _indexByName.TryGetValue(name, out var index) ? index : -1;

    /// <summary>Whether the schema has a feature of that name.</summary>
    public bool Contains(string name) => _indexByName.ContainsKey(name);

    /// <summary>Validates and creates a schema.</summary>
    /// <exception cref="SchemaValidationException">Names are empty, malformed or repeated, a range is empty, or a constant rule has no value.</exception>
    public static FeatureSchema Create(IEnumerable<FeatureSpec> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var list = features.ToArray();
        var problems = Validate(list);
        if (problems.Count > 0)
        {
            throw new SchemaValidationException(problems);
        }

        return new FeatureSchema(list);
    }

    /// <summary>Lists what is wrong with the features; empty when they form a valid schema.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<FeatureSpec> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var problems = new List<string>();
        if (features.Count == 0)
        {
            problems.Add("a schema needs at least one feature");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < features.Count; i++)
        {
            var f = features[i];
            if (f is null)
            {
                problems.Add($"feature #{i} is null");
                continue;
            }

            if (string.IsNullOrWhiteSpace(f.Name) || !NamePattern().IsMatch(f.Name))
            {
                problems.Add($"feature #{i} has an invalid name '{f.Name}' (use snake_case: lower-case letters, digits and '_', starting with a letter)");
            }
            else if (f.Name == ReservedName)
            {
                problems.Add($"feature #{i} is named '{ReservedName}', which is reserved for the bias term of explanations");
            }
            else if (!seen.Add(f.Name))
            {
                problems.Add($"feature '{f.Name}' appears more than once");
            }

            if (double.IsNaN(f.Min) || double.IsNaN(f.Max) || f.Min > f.Max)
            {
                problems.Add($"feature '{f.Name}' has an empty valid range (min must be <= max)");
            }

            if (f.Missing is null)
            {
                problems.Add($"feature '{f.Name}' has no missing-value rule");
            }
            else if (f.Missing.Rule == MissingValueStrategy.Constant && (f.Missing.Value is not { } v || !double.IsFinite(v)))
            {
                problems.Add($"feature '{f.Name}' uses the constant missing rule without a finite value");
            }
        }

        return problems;
    }

    /// <summary>Whether a name is a valid feature or skill identifier (<c>snake_case</c>).</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    private static string ComputeFingerprint(IReadOnlyList<FeatureSpec> features)
    {
        var sb = new StringBuilder();
        foreach (var f in features)
        {
            sb.Append(f.Name).Append('|')
              .Append(f.Min.ToString("R", CultureInfo.InvariantCulture)).Append('|')
              .Append(f.Max.ToString("R", CultureInfo.InvariantCulture)).Append('|')
              .Append(f.Required ? '1' : '0').Append('|')
              .Append(f.Missing.ToString()).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
    }
}
