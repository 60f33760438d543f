using System.Globalization;
using System.Reflection;

namespace SkillInference.Postgres;

/// <summary>A schema migration embedded in this assembly: <c>Migrations/NNNN_name.sql</c>, applied in NNNN order.</summary>
internal sealed record Migration(int Version, string Name, string Sql)
{
    private const string Prefix = "SkillInference.Postgres.Migrations.";

    public static IReadOnlyList<Migration> All { get; } = Load();

    private static Migration[] Load()
    {
        var assembly = typeof(Migration).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Read(assembly, n))
            .OrderBy(m => m.Version)];
    }

    private static Migration Read(Assembly assembly, string resource)
    {
        var name = resource[Prefix.Length..^".sql".Length];
        var version = int.Parse(name[..name.IndexOf('_', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return new Migration(version, name, reader.ReadToEnd());
    }
}
