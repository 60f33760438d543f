using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text.Json;
using SkillInference.Batch;
using SkillInference.Caching;
using SkillInference.GoogleCloud.CloudTasks;
using SkillInference.GoogleCloud.Storage;
using SkillInference.Host.Configuration;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Deploy;

/// <summary>
/// deploy/cloudrun/service.yaml (parsed by Debian's python3-yaml), deploy/Dockerfile and deploy/deploy.sh against
/// what the host really reads and serves: one port for the container, the probes and the image; probe paths the host
/// answers; every environment variable name a configuration key the host binds (a typo would be silently ignored in
/// production); secrets from Secret Manager, not values. The deploy script runs with stand-in gcloud, docker and
/// skillinf commands: staging comes first, and a failing staging smoke test stops it before production.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CloudRunServiceTests
{
    private static readonly string ServiceYaml = Path.Combine(RepositoryRoot.Path, "deploy", "cloudrun", "service.yaml");
    private static readonly string DeployScript = Path.Combine(RepositoryRoot.Path, "deploy", "deploy.sh");

    /// <summary>Environment variables the host reads that are not configuration keys of its own.</summary>
    private static readonly string[] OtherVariables = ["PGPASSWORD"];

    /// <summary>Where each <c>SkillInference:</c> section binds (the host wiring: SkillInferenceHostExtensions, BatchConfiguration, CacheConfiguration).</summary>
    private static readonly (string Section, Type Options)[] Sections =
    [
        ("SkillInference", typeof(SkillInferenceOptions)),
        ("SkillInference", typeof(SkillInferenceHostOptions)),
        ("SkillInference:Store", typeof(GcsModelStoreOptions)),
        ("SkillInference:Database", typeof(DatabaseOptions)),
        ("SkillInference:Batch", typeof(BatchHostOptions)),
        ("SkillInference:Batch", typeof(BatchOptions)),
        ("SkillInference:Batch:CloudTasks", typeof(CloudTasksOptions)),
        ("SkillInference:Cache", typeof(InferenceCacheOptions)),
    ];

    /// <summary>Keys read by name rather than bound (CacheConfiguration).</summary>
    private static readonly string[] NamedKeys = ["SkillInference:Cache:Kind", "SkillInference:Cache:Redis"];

    [TestMethod]
    public async Task ServiceYaml_PortAndProbes_MatchTheImageAndWhatTheHostServes()
    {
        var container = await ContainerAsync();
        var port = container.GetProperty("ports")[0].GetProperty("containerPort").GetInt32();
        var startup = container.GetProperty("startupProbe").GetProperty("httpGet");
        var liveness = container.GetProperty("livenessProbe").GetProperty("httpGet");
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "deploy", "Dockerfile"));

        Assert.AreEqual(port, startup.GetProperty("port").GetInt32());
        Assert.AreEqual(port, liveness.GetProperty("port").GetInt32());
        StringAssert.Contains(dockerfile, $"EXPOSE {port}");
        StringAssert.Contains(dockerfile, $"PORT={port}", "the image listens on the container port by default (Cloud Run sets PORT to it)");
        Assert.AreEqual("/health/ready", startup.GetProperty("path").GetString());
        Assert.AreEqual("/health/live", liveness.GetProperty("path").GetString());
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = await factory.CreateReadyClientAsync();
        foreach (var path in new[] { startup.GetProperty("path").GetString()!, liveness.GetProperty("path").GetString()! })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, $"the host answers the probe {path}");
        }
    }

    [TestMethod]
    public async Task Dockerfile_RestoresEveryProjectTheHostReferences_AndShipsWhatPublishHostWrites()
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "deploy", "Dockerfile"));
        var copied = System.Text.RegularExpressions.Regex.Matches(dockerfile, @"^COPY (\S+\.csproj) ", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();

        // The host's project and everything it references, followed through the project files as MSBuild would.
        var closure = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(["SkillInference.Host/SkillInference.Host.csproj"]);
        while (pending.TryPop(out var project))
        {
            if (!closure.Add(project))
            {
                continue;
            }

            var folder = Path.GetDirectoryName(Path.Combine(RepositoryRoot.Path, project))!;
            foreach (var reference in System.Xml.Linq.XDocument.Load(Path.Combine(RepositoryRoot.Path, project)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(folder, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(RepositoryRoot.Path, full).Replace('\\', '/'));
            }
        }

        CollectionAssert.AreEqual(closure.ToArray(), copied, "the restore layer copies the project file of the host and of every project it references (with one missing, `docker build` stops at the publish: NETSDK1004, no assets file for that project)");
        StringAssert.Contains(dockerfile, "RUN bash deploy/publish-host.sh /app", "the image is published by the script the published-host tests run");
        StringAssert.Contains(dockerfile, "ENTRYPOINT [\"/app/SkillInference.Host\"]", "the image starts the executable publish-host.sh writes");
        var script = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "deploy", "publish-host.sh"));
        foreach (var property in new[] { "-p:SelfContained=true", "-p:PublishReadyToRun=true" })
        {
            StringAssert.Contains(dockerfile, property, "the restore layer restores what the publish needs (runtime and ReadyToRun compiler packs)");
        }

        StringAssert.Contains(script, "--self-contained true");
        StringAssert.Contains(script, "-p:PublishReadyToRun=true");
    }

    [TestMethod]
    public async Task ServiceYaml_EnvironmentNames_AreConfigurationKeysTheHostBinds()
    {
        var names = (await ContainerAsync()).GetProperty("env").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToArray();

        Assert.IsGreaterThan(10, names.Length);
        var unknown = names.Where(n => !OtherVariables.Contains(n) && !Binds(n.Replace("__", ":", StringComparison.Ordinal))).ToArray();
        Assert.IsEmpty(unknown, $"environment variables that bind to no setting: {string.Join(", ", unknown)}");
        Assert.IsFalse(Binds("SkillInference:Store:Buckett"), "the check itself rejects a typo");
        Assert.IsFalse(Binds("SkillInference:Database:Password"), "and a setting that does not exist");
    }

    [TestMethod]
    public async Task ServiceYaml_Credentials_ComeFromSecretManager()
    {
        var env = (await ContainerAsync()).GetProperty("env").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);

        foreach (var name in new[] { "PGPASSWORD", "SkillInference__Cache__KeySecret", "SkillInference__Auth__ApiKeys__deploy_pipeline__Hash", "SkillInference__Auth__ApiKeys__gradebook__Hash" })
        {
            Assert.IsTrue(env[name].TryGetProperty("valueFrom", out var from) && from.TryGetProperty("secretKeyRef", out _), $"{name} is a Secret Manager reference");
        }

        Assert.DoesNotContain("Password=", env["SkillInference__Database__ConnectionString"].GetProperty("value").GetString()!, "no password in the connection string");
    }

    [TestMethod]
    public async Task ServiceYaml_Scaling_IsSet()
    {
        using var doc = await ParseYamlAsync(ServiceYaml);
        var template = doc.RootElement.GetProperty("spec").GetProperty("template");
        var annotations = template.GetProperty("metadata").GetProperty("annotations");

        Assert.IsTrue(annotations.TryGetProperty("autoscaling.knative.dev/minScale", out _));
        Assert.IsTrue(annotations.TryGetProperty("autoscaling.knative.dev/maxScale", out _));
        Assert.AreEqual(80, template.GetProperty("spec").GetProperty("containerConcurrency").GetInt32());
        Assert.IsTrue(template.GetProperty("spec").TryGetProperty("serviceAccountName", out _));
        var limits = template.GetProperty("spec").GetProperty("containers")[0].GetProperty("resources").GetProperty("limits");
        Assert.AreEqual("2", limits.GetProperty("cpu").GetString());
        Assert.AreEqual("2Gi", limits.GetProperty("memory").GetString());
    }

    [TestMethod]
    public async Task DeployScript_DryRun_StagingFirstThenProductionInTrafficSteps()
    {
        var (bundles, rendered) = (BundlesFolder(), TempDirectory.Create("rendered"));

        var (code, output) = await RunDeployAsync(bundles, new() { ["DRY_RUN"] = "1", ["RENDER_DIR"] = rendered });

        Assert.AreEqual(0, code, output);
        string[] order = ["==> build and push the image", "==> staging: publish and deploy", "gcloud run services replace " + Path.Combine(rendered, "staging.yaml"), "==> staging: smoke test", "==> production: publish", "--to-revisions skillinference-2026-11-27-1=10", "=50", "=100", "skillinf models deploy collaboration 2.0.0 --store gs://mass-production-ml-models/prod"];
        var at = 0;
        foreach (var marker in order)
        {
            var next = output.IndexOf(marker, at, StringComparison.Ordinal);
            Assert.IsGreaterThanOrEqualTo(0, next, $"'{marker}' after position {at}:\n{output}");
            at = next;
        }

        using var production = await ParseYamlAsync(Path.Combine(rendered, "production.yaml"));
        var traffic = production.RootElement.GetProperty("spec").GetProperty("traffic").EnumerateArray().ToArray();
        Assert.HasCount(2, traffic);
        Assert.AreEqual(100, traffic[0].GetProperty("percent").GetInt32(), "the current revision keeps all traffic");
        Assert.AreEqual("candidate", traffic[1].GetProperty("tag").GetString());
        Assert.AreEqual(0, traffic[1].GetProperty("percent").GetInt32());
        using var staging = await ParseYamlAsync(Path.Combine(rendered, "staging.yaml"));
        Assert.AreEqual("skillinference-staging", staging.RootElement.GetProperty("metadata").GetProperty("name").GetString());
    }

    [TestMethod]
    public async Task DeployScript_StagingSmokeFails_StopsBeforeProduction()
    {
        var tools = TempDirectory.Create("fake-tools");
        var log = Path.Combine(tools, "calls.log");
        foreach (var tool in new[] { "docker", "gcloud" })
        {
            await File.WriteAllTextAsync(Path.Combine(tools, tool), $"#!/bin/sh\necho \"{tool} $*\" >> {log}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(tools, "skillinf"), $"#!/bin/sh\necho \"skillinf $*\" >> {log}\n[ \"$1\" = smoke ] && {{ echo 'FAIL ready'; exit 1; }}\nexit 0\n");
        foreach (var file in Directory.GetFiles(tools).Where(f => !f.EndsWith(".log", StringComparison.Ordinal)))
        {
            File.SetUnixFileMode(file, (UnixFileMode)0b111_101_101);
        }

        var (code, output) = await RunDeployAsync(BundlesFolder(), new() { ["PATH"] = tools + ":" + Environment.GetEnvironmentVariable("PATH"), ["SKILLINF"] = Path.Combine(tools, "skillinf") });

        Assert.AreNotEqual(0, code, output);
        StringAssert.Contains(output, "deploy.sh: FAILED at step: staging: smoke test");
        var calls = await File.ReadAllTextAsync(log);
        StringAssert.Contains(calls, "gcloud run services replace");
        Assert.DoesNotContain("gs://mass-production-ml-models/prod", calls, "production is never touched");
        Assert.DoesNotContain("update-traffic", calls);
    }

    private static bool Binds(string key)
    {
        if (NamedKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var (section, type) in Sections)
        {
            if (key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase) && Binds(type, key[(section.Length + 1)..].Split(':')))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether configuration binding would set something for this path below <paramref name="type"/>.</summary>
    private static bool Binds(Type type, string[] path)
    {
        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || !(property.CanWrite || !IsLeaf(property.PropertyType)))
        {
            return false;
        }

        var target = property.PropertyType;
        var rest = path[1..];
        if (target.IsGenericType && target.GetGenericTypeDefinition() == typeof(List<>))
        {
            // An index below a list; then its element type.
            var element = target.GetGenericArguments()[0];
            return rest.Length >= 1 && int.TryParse(rest[0], out _) && (rest.Length == 1 ? IsLeaf(element) : Binds(element, rest[1..]));
        }

        if (target.IsGenericType && target.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            // Any key below a dictionary; then its value type.
            return rest.Length >= 1 && (rest.Length == 1 ? IsLeaf(target.GetGenericArguments()[1]) : Binds(target.GetGenericArguments()[1], rest[1..]));
        }

        return rest.Length == 0 ? IsLeaf(Nullable.GetUnderlyingType(target) ?? target) : !IsLeaf(target) && Binds(target, rest);
    }

    private static bool IsLeaf(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal) || Nullable.GetUnderlyingType(type) is not null;

    private static string BundlesFolder()
    {
        var bundles = TempDirectory.Create("bundles");
        Directory.CreateDirectory(Path.Combine(bundles, "collaboration", "2.0.0"));
        File.WriteAllText(Path.Combine(bundles, "collaboration", "2.0.0", "manifest.json"), "{}");
        return bundles;
    }

    private static async Task<(int Code, string Output)> RunDeployAsync(string bundles, Dictionary<string, string> extra)
    {
        var info = new ProcessStartInfo("bash") { ArgumentList = { DeployScript } };
        var environment = new Dictionary<string, string>
        {
            ["PROJECT_ID"] = "skills-prod",
            ["REGION"] = "europe-west1",
            ["IMAGE_TAG"] = "2026.11.27-1",
            ["BUNDLES"] = bundles,
            ["SERVICE_URL_STAGING"] = "https://staging.skills.internal",
            ["SERVICE_URL_PRODUCTION"] = "https://skills.internal",
            ["CLOUDSQL_INSTANCE"] = "skills-prod:europe-west1:skills",
            ["VPC_CONNECTOR"] = "skills-connector",
            ["REDIS_STAGING"] = "10.0.0.4:6379",
            ["REDIS_PRODUCTION"] = "10.0.0.3:6379",
            ["BAKE_SECONDS"] = "0",
        };
        foreach (var (key, value) in environment.Concat(extra))
        {
            info.Environment[key] = value;
        }

        return await ProcessRunner.RunAsync(info, TimeSpan.FromMinutes(2));
    }

    private static async Task<JsonElement> ContainerAsync()
    {
        using var doc = await ParseYamlAsync(ServiceYaml);
        return doc.RootElement.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0].Clone();
    }

    /// <summary>YAML to JSON with Debian's python3-yaml (eng/test.sh installs it), so that the real YAML rules apply.</summary>
    private static async Task<JsonDocument> ParseYamlAsync(string path)
    {
        var (code, stdout, stderr) = await DebianPython.RunAsync(TimeSpan.FromMinutes(1), "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path);
        Assert.AreEqual(0, code, $"{path} is not valid YAML (or python3-yaml is missing): {stderr}");
        return JsonDocument.Parse(stdout);
    }
}
