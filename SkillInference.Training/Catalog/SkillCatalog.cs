using System.Text.Json;
using System.Text.Json.Serialization;
using SkillInference.Schema;
using SkillInference.Training;

namespace SkillInference.Catalog;

/// <summary>
/// A set of skills and their feature schemas, read from a catalog file such as <c>samples/skills.json</c>.
/// Core hard-codes no skill: the catalog is what training and the samples are built from.
/// </summary>
public sealed class SkillCatalog
{
    private SkillCatalog(IReadOnlyList<SkillDefinition> skills, IReadOnlyDictionary<string, CatalogFeature> features)
    {
        Skills = skills;
        Features = features;
    }

    /// <summary>The skills, in catalog order.</summary>
    public IReadOnlyList<SkillDefinition> Skills { get; }

    /// <summary>Every feature the catalog defines, by name, with its synthetic model when it has one.</summary>
    public IReadOnlyDictionary<string, CatalogFeature> Features { get; }

    /// <summary>Finds a skill by id.</summary>
    /// <exception cref="KeyNotFoundException">The catalog has no such skill.</exception>
    public SkillDefinition this[string skillId] =>
        Skills.FirstOrDefault(s => s.Id == skillId)
        ?? throw new KeyNotFoundException($"The catalog has no skill '{skillId}'. Known skills: {string.Join(", ", Skills.Select(s => s.Id))}.");

    /// <summary>Reads a catalog file.</summary>
    public static async Task<SkillCatalog> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        await using var stream = File.OpenRead(path);
        return await LoadAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a catalog from JSON.</summary>
    /// <exception cref="SchemaValidationException">The catalog is malformed; every problem is listed.</exception>
    public static async Task<SkillCatalog> LoadAsync(Stream json, CancellationToken cancellationToken = default)
    {
        CatalogDocument? doc;
        try
        {
            doc = await JsonSerializer.DeserializeAsync(json, CatalogJsonContext.Default.CatalogDocument, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new SchemaValidationException([$"the catalog is not valid JSON: {ex.Message}"]);
        }

        return FromDocument(doc ?? throw new SchemaValidationException(["the catalog is empty"]));
    }

    /// <summary>Parses a catalog from a JSON string.</summary>
    public static SkillCatalog Parse(string json)
    {
        CatalogDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(json, CatalogJsonContext.Default.CatalogDocument);
        }
        catch (JsonException ex)
        {
            throw new SchemaValidationException([$"the catalog is not valid JSON: {ex.Message}"]);
        }

        return FromDocument(doc ?? throw new SchemaValidationException(["the catalog is empty"]));
    }

    /// <summary>
    /// Finds the default catalog: <paramref name="explicitPath"/> when given, else <c>samples/skills.json</c>
    /// beside the application, else in the current directory or one of its parents (a source checkout).
    /// </summary>
    public static string? Locate(string? explicitPath = null)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return File.Exists(explicitPath) ? Path.GetFullPath(explicitPath) : null;
        }

        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "samples", "skills.json") };
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, "samples", "skills.json"));
        }

        return candidates.FirstOrDefault(File.Exists);
    }

    private static SkillCatalog FromDocument(CatalogDocument doc)
    {
        var problems = new List<string>();
        var features = new Dictionary<string, CatalogFeature>(StringComparer.Ordinal);
        foreach (var (name, f) in doc.Features ?? [])
        {
            features[name] = new CatalogFeature(
                new FeatureSpec
                {
                    Name = name,
                    Group = f.Group,
                    Description = f.Description ?? "",
                    Unit = f.Unit ?? "",
                    Min = f.Min ?? double.MinValue,
                    Max = f.Max ?? double.MaxValue,
                    Required = f.Required ?? false,
                    Missing = f.Missing ?? MissingValueRule.Native,
                },
                f.Synthetic);
            if (string.IsNullOrWhiteSpace(f.Description))
            {
                problems.Add($"feature '{name}' has no description");
            }
        }

        var skills = new List<SkillDefinition>();
        var skillIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in doc.Skills ?? [])
        {
            if (!FeatureSchema.IsValidName(s.Id))
            {
                problems.Add($"skill id '{s.Id}' is invalid (use snake_case)");
                continue;
            }

            if (!skillIds.Add(s.Id!))
            {
                problems.Add($"skill '{s.Id}' appears more than once");
                continue;
            }

            var specs = new List<FeatureSpec>();
            foreach (var r in s.Features ?? [])
            {
                if (r.Name is null || !features.TryGetValue(r.Name, out var feature))
                {
                    problems.Add($"skill '{s.Id}' uses feature '{r.Name}', which the catalog does not define");
                    continue;
                }

                specs.Add(feature.Spec with
                {
                    Required = r.Required ?? feature.Spec.Required,
                    Missing = r.Missing ?? feature.Spec.Missing,
                });
            }

            var schemaProblems = FeatureSchema.Validate(specs);
            if (schemaProblems.Count > 0)
            {
                problems.AddRange(schemaProblems.Select(p => $"skill '{s.Id}': {p}"));
                continue;
            }

            skills.Add(new SkillDefinition
            {
                Id = s.Id!,
                DisplayName = s.Name ?? s.Id!,
                Description = s.Description ?? "",
                Schema = FeatureSchema.Create(specs),
                Synthetic = s.Synthetic,
            });
        }

        if (skills.Count == 0 && problems.Count == 0)
        {
            problems.Add("the catalog defines no skill");
        }

        foreach (var (name, f) in features)
        {
            foreach (var skill in f.Synthetic?.Loadings.Keys ?? [])
            {
                if (!skillIds.Contains(skill))
                {
                    problems.Add($"feature '{name}' has a synthetic loading on unknown skill '{skill}'");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new SchemaValidationException(problems);
        }

        return new SkillCatalog(skills, features);
    }

    internal sealed class CatalogDocument
    {
        [JsonPropertyName("features")]
        public Dictionary<string, CatalogFeatureDocument>? Features { get; set; }

        [JsonPropertyName("skills")]
        public List<CatalogSkillDocument>? Skills { get; set; }
    }

    internal sealed class CatalogFeatureDocument
    {
        [JsonPropertyName("group")]
        public FeatureGroup Group { get; set; }

        [JsonPropertyName("description")]
        public string? Description { get; set; }

        [JsonPropertyName("unit")]
        public string? Unit { get; set; }

        [JsonPropertyName("min")]
        public double? Min { get; set; }

        [JsonPropertyName("max")]
        public double? Max { get; set; }

        [JsonPropertyName("required")]
        public bool? Required { get; set; }

        [JsonPropertyName("missing")]
        public MissingValueRule? Missing { get; set; }

        [JsonPropertyName("synthetic")]
        public SyntheticFeatureModel? Synthetic { get; set; }
    }

    internal sealed class CatalogSkillDocument
    {
        [JsonPropertyName("id")]
        public string? Id { get; set; }

        [JsonPropertyName("name")]
        public string? Name { get; set; }

        [JsonPropertyName("description")]
        public string? Description { get; set; }

        [JsonPropertyName("features")]
        public List<CatalogFeatureReference>? Features { get; set; }

        [JsonPropertyName("synthetic")]
        public SyntheticSkillModel? Synthetic { get; set; }
    }

    internal sealed class CatalogFeatureReference
    {
        [JsonPropertyName("name")]
        public string? Name { get; set; }

        [JsonPropertyName("required")]
        public bool? Required { get; set; }

        [JsonPropertyName("missing")]
        public MissingValueRule? Missing { get; set; }
    }
}
