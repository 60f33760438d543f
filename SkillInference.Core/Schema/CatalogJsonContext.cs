using System.Text.Json;
using System.Text.Json.Serialization;

namespace SkillInference.Schema;

[JsonSourceGenerationOptions(ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(SkillCatalog.CatalogDocument))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
