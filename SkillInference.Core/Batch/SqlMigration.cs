using System.Globalization;
using System.Reflection;

namespace SkillInference.Batch;

/// <summary>
/// A schema migration embedded in a database adapter's assembly as <c>{prefix}NNNN_name.sql</c>; migrations are
/// applied in NNNN order and recorded by version.
/// </summary>
/// <param name="Version">NNNN.</param>
/// <param name="Name">The resource's name without prefix and extension, e.g. <c>0001_initial</c>.</param>
/// <param name="Sql">The script.</param>
internal sealed record SqlMigration(int Version, string Name, string Sql)
{
    /// <summary>Reads every <c>{resourcePrefix}NNNN_name.sql</c> resource of an assembly, in version order.</summary>
    public static IReadOnlyList<SqlMigration> LoadEmbedded(Assembly assembly, string resourcePrefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(resourcePrefix);
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(resourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Read(assembly, resourcePrefix, n))
            .OrderBy(m => m.Version)];
    }

    private static SqlMigration Read(Assembly assembly, string prefix, string resource)
    {
        var name = resource[prefix.Length..^".sql".Length];
        var version = int.Parse(name[..name.IndexOf('_', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return new SqlMigration(version, name, reader.ReadToEnd());
    }
}
