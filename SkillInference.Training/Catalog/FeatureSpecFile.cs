using System.Text.Json;
using SkillInference.Schema;
using SkillInference.Serialization;

namespace SkillInference.Catalog;

/// <summary>
/// Reads feature specs for importing a model: a JSON array of specs, an object with a <c>features</c> array, or a
/// skill catalog (such as samples/skills.json), from which the given skill's features — or, for names the skill does
/// not list, the catalog's feature definitions — are taken.
/// </summary>
public static class FeatureSpecFile
{
    /// <summary>Reads the specs.</summary>
    /// <exception cref="SchemaValidationException">The file is neither shape, or a spec is invalid.</exception>
    public static async Task<IReadOnlyList<FeatureSpec>> LoadAsync(string path, string skill, CancellationToken cancellationToken = default)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new SchemaValidationException([$"'{path}' is not valid JSON: {ex.Message}"]);
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("skills", out _))
        {
            var catalog = SkillCatalog.Parse(System.Text.Encoding.UTF8.GetString(bytes));
            var definition = catalog.Skills.FirstOrDefault(s => s.Id == skill);
            var specs = definition?.Schema.Features.ToList() ?? [];
            specs.AddRange(catalog.Features.Values.Select(f => f.Spec).Where(f => specs.All(s => s.Name != f.Name)));
            return specs;
        }

        var array = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("features", out var features) ? features : root;
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new SchemaValidationException([$"'{path}' must be a skill catalog, an array of feature specs, or an object with a 'features' array."]);
        }

        try
        {
            var list = array.Deserialize(SkillInferenceJsonContext.Default.ListFeatureSpec) ?? [];
            var problems = FeatureSchema.Validate(list);
            return problems.Count > 0 ? throw new SchemaValidationException(problems) : list;
        }
        catch (JsonException ex)
        {
            throw new SchemaValidationException([$"'{path}' has an invalid feature spec: {ex.Message}"]);
        }
    }
}
