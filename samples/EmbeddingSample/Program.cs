// An app that embeds SkillInference from its NuGet packages: it loads the deployed bundles from a model store and
// scores a few students on every deployed skill, in-process.
//
//   dotnet run --project samples/EmbeddingSample -- STORE
//
// STORE is a folder (e.g. one made by `skillinf samples --store ./store`) or gs://BUCKET/PREFIX, a Cloud Storage
// bucket (Application Default Credentials; STORAGE_EMULATOR_HOST points it at an emulator).
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.GoogleCloud.Storage;
using SkillInference.Inference;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: EmbeddingSample STORE   (a folder, or gs://BUCKET/PREFIX)");
    return 2;
}

var store = args[0];
var services = new ServiceCollection();
var skillInference = services.AddSkillInference();
if (GcsModelStoreOptions.IsGcsUri(store))
{
    var location = GcsModelStoreOptions.FromUri(store);
    skillInference.UseGcsModelStore(o =>
    {
        o.Bucket = location.Bucket;
        o.Prefix = location.Prefix;
    });
}
else
{
    skillInference.UseFileSystemModelStore(store);
}

await using var provider = services.BuildServiceProvider();
var skills = provider.GetRequiredService<ISkillInferenceService>();

// Without a generic host nothing loads in the background: load the deployed models once.
await skills.RefreshAsync();
if (!skills.Status.IsReady)
{
    var why = skills.Status.LastError ?? string.Join("; ", skills.Status.Failures.Select(f => $"{f.Skill}@{f.Version}: {f.Reason}"));
    Console.Error.WriteLine($"Nothing ready to serve in {store}: {(why.Length > 0 ? why : "no skill is deployed")}");
    return 1;
}

var deployed = skills.LoadedModels.Where(m => m.Role == "deployed").ToArray();
Console.WriteLine($"Serving {deployed.Length} skills from {store}: {string.Join(", ", deployed.Select(m => $"{m.Skill}@{m.Version}"))}");

var failures = 0;
foreach (var (studentId, z) in new[] { ("S-0001", 1.0), ("S-0002", 0.0), ("S-0003", -1.0) })
{
    var outcomes = await skills.InferAllSkillsAsync(MadeUpStudent(deployed, z), studentId);
    Console.WriteLine();
    Console.WriteLine($"{studentId} (every feature {z:+0;-0;0} standard deviation(s) from the training mean)");
    foreach (var outcome in outcomes)
    {
        if (outcome.Result is { } r)
        {
            var drivers = string.Join(", ", r.TopFeatures.Take(2).Select(f => f.Name));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Skill,-18} score {r.Score:0.000}  confidence {r.Confidence:0.00}  model {r.ModelVersion}  driven by {drivers}"));
        }
        else
        {
            failures++;
            Console.WriteLine($"  error: {outcome.Error?.Message}");
        }
    }
}

return failures == 0 ? 0 : 1;

// A made-up student: each feature of each deployed skill at the training mean plus z standard deviations, kept within
// the range seen in training. A real app passes the features it has for its students.
static Dictionary<string, double?> MadeUpStudent(IEnumerable<LoadedModelInfo> models, double z)
{
    var features = new Dictionary<string, double?>(StringComparer.Ordinal);
    foreach (var statistics in models.SelectMany(m => m.Manifest.Statistics))
    {
        features.TryAdd(statistics.Name, Math.Clamp(statistics.Mean + (z * statistics.Std), statistics.Min, statistics.Max));
    }

    return features;
}
