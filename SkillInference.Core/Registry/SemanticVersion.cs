using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SkillInference.Registry;

/// <summary>
/// A semantic version <c>MAJOR.MINOR.PATCH</c> with an optional pre-release tag (<c>1.2.0-rc.1</c>).
/// For a skill bundle, MAJOR changes with the feature schema, MINOR with a retraining on the same schema,
/// PATCH with metadata or calibration only.
/// </summary>
public readonly record struct SemanticVersion(int Major, int Minor, int Patch, string? PreRelease = null) : IComparable<SemanticVersion>
{
    /// <summary>Parses a version.</summary>
    /// <exception cref="FormatException">The text is not a semantic version.</exception>
    public static SemanticVersion Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.2.0).");

    /// <summary>Tries to parse a version.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out SemanticVersion version)
    {
        version = default;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        string? pre = null;
        var core = text;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            pre = text[(dash + 1)..];
            core = text[..dash];
            // semver.org: identifiers are [0-9A-Za-z-], non-empty; numeric identifiers have no leading zeros.
            if (pre.Length == 0 || !pre.Split('.').All(id => id.Length > 0 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && !(id.Length > 1 && id[0] == '0' && id.All(char.IsAsciiDigit))))
            {
                return false;
            }
        }

        var parts = core.Split('.');
        if (parts.Length != 3 || !parts.All(IsNumber))
        {
            return false;
        }

        version = new SemanticVersion(
            int.Parse(parts[0], CultureInfo.InvariantCulture),
            int.Parse(parts[1], CultureInfo.InvariantCulture),
            int.Parse(parts[2], CultureInfo.InvariantCulture),
            pre);
        return true;

        static bool IsNumber(string s) =>
            s.Length is > 0 and <= 9 && s.All(char.IsAsciiDigit) && (s.Length == 1 || s[0] != '0');
    }

    /// <inheritdoc />
    public int CompareTo(SemanticVersion other)
    {
        var c = Major.CompareTo(other.Major);
        if (c != 0)
        {
            return c;
        }

        c = Minor.CompareTo(other.Minor);
        if (c != 0)
        {
            return c;
        }

        c = Patch.CompareTo(other.Patch);
        if (c != 0)
        {
            return c;
        }

        // A pre-release sorts before its release.
        if (PreRelease is null || other.PreRelease is null)
        {
            return (PreRelease is null).CompareTo(other.PreRelease is null);
        }

        var a = PreRelease.Split('.');
        var b = other.PreRelease.Split('.');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var an = a[i].All(char.IsAsciiDigit);
            var bn = b[i].All(char.IsAsciiDigit);
            c = (an, bn) switch
            {
                // Numeric identifiers compare numerically, at any length: without leading zeros, longer is larger.
                (true, true) => a[i].Length != b[i].Length ? a[i].Length.CompareTo(b[i].Length) : string.CompareOrdinal(a[i], b[i]),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(a[i], b[i]),
            };
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    /// <summary>Compares two versions.</summary>
    public static bool operator <(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) < 0;

    /// <summary>Compares two versions.</summary>
    public static bool operator >(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) > 0;

    /// <summary>Compares two versions.</summary>
    public static bool operator <=(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two versions.</summary>
    public static bool operator >=(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) >= 0;

    /// <inheritdoc />
    public override string ToString() =>
        PreRelease is null
            ? string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}")
            : string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}-{PreRelease}");
}
