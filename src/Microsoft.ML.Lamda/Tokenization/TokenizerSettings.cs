using System.Text.Json;

namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>
/// What Hugging Face's side files say about a tokenizer: <c>tokenizer_config.json</c>,
/// <c>special_tokens_map.json</c> (overrides the former, as in transformers), <c>added_tokens.json</c>,
/// and the <c>model_type</c> of <c>config.json</c>. Every file is optional.
/// </summary>
internal sealed class TokenizerSettings
{
    internal const string TokenizerConfigFile = "tokenizer_config.json";
    internal const string SpecialTokensMapFile = "special_tokens_map.json";
    internal const string AddedTokensFile = "added_tokens.json";
    internal const string ModelConfigFile = "config.json";

    private static readonly string[] SpecialTokenKeys = ["cls_token", "sep_token", "pad_token", "unk_token", "mask_token", "bos_token", "eos_token"];

    private readonly Dictionary<string, string> _specialTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _addedTokenIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonElement> _options = new(StringComparer.Ordinal);

    /// <summary>The side files that exist and were read (config.json excluded: it belongs to the model).</summary>
    public List<string> FilesRead { get; } = [];

    /// <summary><c>model_type</c> from config.json, lower case, or null.</summary>
    public string? ModelType { get; private set; }

    /// <summary><c>model_max_length</c>, or null when absent or set to transformers' "very large" placeholder.</summary>
    public int? ModelMaxLength { get; private set; }

    public static TokenizerSettings Read(string directory)
    {
        var settings = new TokenizerSettings();
        Guard(Path.Combine(directory, TokenizerConfigFile), settings.ReadTokenizerConfig);
        Guard(Path.Combine(directory, SpecialTokensMapFile), settings.ReadSpecialTokensMap);
        Guard(Path.Combine(directory, AddedTokensFile), settings.ReadAddedTokens);
        Guard(Path.Combine(directory, ModelConfigFile), settings.ReadModelType);
        return settings;

        // Strings are decoded only when read: text that is not valid UTF-8 (or UTF-16) surfaces then.
        static void Guard(string path, Action<string> read)
        {
            try
            {
                read(path);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidDataException($"'{path}' holds text that is not valid Unicode: {e.Message}", e);
            }
        }
    }

    /// <summary>The token text configured for <paramref name="key"/> (e.g. <c>cls_token</c>), else <paramref name="fallback"/>.</summary>
    public string Token(string key, string fallback) => _specialTokens.GetValueOrDefault(key, fallback);

    /// <summary>The id that added_tokens.json or tokenizer_config.json's added_tokens_decoder gives a token, if any.</summary>
    public bool TryGetAddedTokenId(string token, out int id) => _addedTokenIds.TryGetValue(token, out id);

    /// <summary>The largest id that added_tokens.json or added_tokens_decoder gives, or -1.</summary>
    public int MaxAddedTokenId => _addedTokenIds.Count == 0 ? -1 : _addedTokenIds.Values.Max();

    /// <summary>A boolean option of tokenizer_config.json, or null when absent or null.</summary>
    public bool? Flag(string key)
    {
        if (!_options.TryGetValue(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
        throw new InvalidDataException($"{TokenizerConfigFile}: '{key}' must be true, false or null, but is {value.GetRawText()}.");
    }

    private void ReadTokenizerConfig(string path)
    {
        if (ParseObject(path) is not { } root) return;
        foreach (var property in root.EnumerateObject())
        {
            if (Array.IndexOf(SpecialTokenKeys, property.Name) >= 0)
                SetToken(path, property.Name, property.Value);
            else if (property.Name == "model_max_length")
                ModelMaxLength = ParseMaxLength(path, property.Value);
            else if (property.Name == "added_tokens_decoder")
                ReadAddedTokensDecoder(path, property.Value);
            else
                _options[property.Name] = property.Value.Clone();
        }
    }

    private void ReadSpecialTokensMap(string path)
    {
        if (ParseObject(path) is not { } root) return;
        foreach (var key in SpecialTokenKeys)
            if (root.TryGetProperty(key, out var value))
                SetToken(path, key, value);
    }

    private void ReadAddedTokens(string path)
    {
        if (ParseObject(path) is not { } root) return;
        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int id) || id < 0)
                throw new InvalidDataException($"'{path}': token '{property.Name}' must map to a non-negative integer id, but maps to {property.Value.GetRawText()}.");
            _addedTokenIds[property.Name] = id;
        }
    }

    private void ReadAddedTokensDecoder(string path, JsonElement decoder)
    {
        if (decoder.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"'{path}': 'added_tokens_decoder' must be an object mapping ids to tokens.");
        foreach (var entry in decoder.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, out int id) || id < 0)
                throw new InvalidDataException($"'{path}': 'added_tokens_decoder' key '{entry.Name}' is not a token id.");
            _addedTokenIds.TryAdd(TokenContent(path, "added_tokens_decoder." + entry.Name, entry.Value)
                ?? throw new InvalidDataException($"'{path}': 'added_tokens_decoder.{entry.Name}' has no content."), id);
        }
    }

    private void ReadModelType(string path)
    {
        if (ParseObject(path) is not { } root) return;
        if (root.TryGetProperty("model_type", out var value) && value.ValueKind == JsonValueKind.String)
            ModelType = value.GetString()!.ToLowerInvariant();
    }

    private void SetToken(string path, string key, JsonElement value)
    {
        if (TokenContent(path, key, value) is { } token) _specialTokens[key] = token;
    }

    /// <summary>A token written either as a string or as transformers' AddedToken object (<c>{"content": ...}</c>).</summary>
    private static string? TokenContent(string path, string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
        _ => throw new InvalidDataException($"'{path}': '{key}' must be a token string or an object with a string 'content', but is {value.GetRawText()}."),
    };

    private static int? ParseMaxLength(string path, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || number < 1)
            throw new InvalidDataException($"'{path}': 'model_max_length' must be a positive number, but is {value.GetRawText()}.");
        // transformers writes int(1e30) when a checkpoint declares no limit.
        return number > 1_000_000 ? null : (int)number;
    }

    private JsonElement? ParseObject(string path)
    {
        if (!File.Exists(path)) return null;
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"'{path}' must hold a JSON object, but holds a {root.ValueKind}.");
        if (Path.GetFileName(path) != ModelConfigFile) FilesRead.Add(path);
        return root;
    }
}
