// App state: the loaded pack, settings, results, token map, and the one current error.
import { create } from 'zustand';
import type {
  BackendPreference,
  BatchPlan,
  DecoderKind,
  GenerateProgress,
  GenerateResult,
  GpuMemory,
  LoadedPack,
  PackFolder,
  PackProgress,
  Perturbation,
  RgbaImage,
  TokenMap,
} from '../workers/protocol';
import {
  type Board,
  boardFromJson,
  emptyBoard,
  loadBoard,
  type Pin,
  type Sweep,
  type SweepSetting,
  saveBoard,
} from './board';
import { callWorker, onWorkerCrash, proxy } from './engineClient';
import { type Crop, fileToRgba } from './imageFile';
import { loadValue, saveValue } from './persist';
import {
  describeUrlProblems,
  fitToPack,
  generationPaths,
  packDefaults,
  type Settings,
  settingsFromUrl,
  settingsToUrl,
  stage1Settings,
} from './settings';

export interface PackRef {
  id: string;
  path: string;
}

export interface Sample {
  id: number;
  image: RgbaImage;
  tokens: number[];
  settings: Settings;
  /** The class's name in the pack that made it (null: unconditional). */
  className: string | null;
  /** The same class and seed through the paper's baseline (the VQ-token GPT), when asked for. */
  baseline?: { image: RgbaImage; tokens: number[] };
}

/** The name of a class in a pack (null: unconditional). */
const classNameIn = (pack: LoadedPack | null, classId: number | null) =>
  classId === null ? null : (pack?.manifest.classes?.[classId] ?? `class ${classId}`);

export interface TokenMapState {
  image: RgbaImage;
  /** The file as the user gave it (an object URL) and the square cut from it. */
  source: { url: string; crop: Crop };
  map: TokenMap;
  /** The tokens back to pixels through each decoder. */
  reconstructions: Partial<Record<DecoderKind, RgbaImage>>;
  completions: Completions | null;
}

/** Samples that keep an image's first rows of tokens (paper Fig. 4b when the rows are noised). */
export interface Completions {
  rows: number;
  /** Gaussian noise added to the image before its kept rows were read (SNR, dB); null: none. */
  noiseDb: number | null;
  digit: CompletionRow;
  /** The same through the VQ-token GPT from the VQ encoder's rows, where the pack ships both. */
  vq: CompletionRow | null;
}

export interface CompletionRow {
  images: RgbaImage[];
  tokens: number[][];
  /** How many of the kept tokens the noise changed. */
  prefixChanged: number;
}

/** What the pack picker shows about a pack before it is loaded. */
export interface PackCard {
  title: string;
  license: string;
  megabytes: number;
  cas: number | null;
  /** How many of its graphs the browser cache holds, of how many. */
  cached: [number, number];
}

interface AppState {
  packs: PackRef[];
  cards: Record<string, PackCard | string>;
  pack: LoadedPack | null;
  /** The pack being read: the whole pack's progress, and when its bytes last moved (ms). */
  loading: (PackProgress & { movedAt: number }) | null;
  settings: Settings | null;
  busy: boolean;
  progress: GenerateProgress | null;
  /** The first image's partial decode while stage 1 runs. */
  preview: RgbaImage | null;
  samples: Sample[];
  /** Seconds from opening the page to its first generated image (null: none yet). */
  firstImageAt: number | null;
  /** Generate each image also through the VQ-token GPT, shown beside it. */
  sideBySide: boolean;
  setSideBySide(on: boolean): void;
  /** Live WebGPU buffers in the worker (null on WASM), read after every job. */
  gpuMemory: GpuMemory | null;
  /** How the worker runs batches on this machine (null until a batch asked), read after every job. */
  batchPlan: BatchPlan | null;
  board: Board;
  /** Board writes to IndexedDB not yet finished (leaving the page now could lose the latest). */
  boardSaving: number;
  pin(sample: Sample): void;
  unpin(id: string): void;
  clearBoard(): void;
  /** Fill a grid: `setting` takes each of `values` across the columns, `rows` seeds go down. */
  sweep(setting: SweepSetting, values: Settings[SweepSetting][], rows: number): Promise<void>;
  /** The sweep being filled now (null: none; a stored sweep with empty cells was interrupted). */
  sweeping: string | null;
  removeSweep(id: string): void;
  importBoard(file: File): Promise<void>;
  /** Forget the stored pack files; the next load downloads them again. */
  clearPackCache(): Promise<void>;
  tokenMap: TokenMapState | null;
  error: string | null;
  init(): Promise<void>;
  loadPack(id: string, backend: BackendPreference): Promise<void>;
  /** Load a pack folder the user picked from their disk (its files checked like downloaded ones). */
  /** Load a pack folder from the user's disk (picked or dropped). */
  openFolder(folder: PackFolder): Promise<void>;
  update(patch: Partial<Settings>): void;
  generate(): Promise<void>;
  /** Stop the running generation (the samples so far are kept; this one is dropped). */
  stop(): void;
  tokenizeFile(file: File): Promise<void>;
  /** Keep the token map's first `rows` rows and sample the rest `count` times. */
  /** `count` samples keeping the first `rows` rows of the token map's tokens, read from the image
   *  with noise at `noiseDb` (null: as it is); through the VQ-token GPT too where the pack has it. */
  completeFromPrefix(rows: number, count: number, noiseDb?: number | null): Promise<void>;
  dismissError(): void;
}

/** A pack named by the URL of its folder rather than by an id from models/index.json. */
const isPackUrl = (pack: string | undefined): boolean => !!pack && pack.includes('/');

// Pack folders opened from the user's disk this visit, by their id (`folder:<name>`).
const FOLDER = 'folder:';
const folders = new Map<string, PackFolder>();

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/^Error: /, '');
let nextSampleId = 1;
let nextJobId = 1;
let currentJob: number | null = null;

/** The worker switched backends or was restarted: show it, and reload the pack after a crash. */
function listenToWorker() {
  const { setState, getState } = useApp;
  const subscribe = () =>
    callWorker((w) =>
      w.onBackendChange(
        proxy((backend: 'wasm', reason: string) => {
          const { pack } = getState();
          if (pack) setState({ pack: { ...pack, backend, backendReason: reason } });
        }),
      ),
    );
  void subscribe();
  onWorkerCrash((reason) => {
    void subscribe();
    const { settings } = getState();
    setState({ error: `The inference worker crashed (${reason}); it was restarted and the pack is reloading.` });
    if (settings)
      void getState()
        .loadPack(settings.pack, settings.backend)
        .then(() => {
          if (getState().pack)
            setState({ error: `The inference worker crashed (${reason}); it was restarted and the pack reloaded.` });
        });
  });
}

/** How often a running generation shows its first image so far (none for one that ends sooner). */
const PREVIEW_INTERVAL_MS = 250;

/** One sampling job with the current settings: progress into the store, Stop-able, errors shown
 *  (a cancel is not an error). */
async function sample(
  what: string,
  job: { batch: number; prefix?: number[] },
  done: (r: GenerateResult) => void,
  override: Partial<Settings> = {},
) {
  const { pack, busy } = useApp.getState();
  const settings = useApp.getState().settings && { ...useApp.getState().settings!, ...override };
  if (!settings || !pack || busy) return;
  useApp.setState({ busy: true, error: null, progress: null, preview: null });
  const jobId = nextJobId++;
  currentJob = jobId;
  try {
    done(
      await callWorker((w) =>
        w.generate(
          jobId,
          {
            classId: settings.classId,
            seed: settings.seed,
            decoder: settings.decoder,
            ...job,
            stage1: stage1Settings(settings),
          },
          proxy((p: GenerateProgress) => useApp.setState({ progress: p })),
          PREVIEW_INTERVAL_MS,
          proxy((image: RgbaImage) => useApp.setState({ preview: image })),
        ),
      ),
    );
  } catch (e) {
    if ((e as Error).name !== 'CancelledError') useApp.setState({ error: `${what} failed: ${message(e)}` });
  } finally {
    currentJob = null;
    useApp.setState({ busy: false, progress: null, preview: null });
    callWorker((w) => Promise.all([w.gpuMemory(), w.batchPlan()]))
      .then(([gpuMemory, batchPlan]) => useApp.setState({ gpuMemory, batchPlan }))
      .catch(() => undefined);
  }
}

/** Read every listed pack's pack.json and cache state for the cards (errors shown per card). */
async function refreshCards() {
  for (const ref of useApp.getState().packs) {
    let card: PackCard | string;
    try {
      const s = await callWorker((w) => w.packStatus(new URL(ref.path, location.href).href));
      const m = s.manifest;
      const cas = m.metrics?.cas_direct;
      card = {
        title: m.title,
        license: m.license,
        megabytes: s.bytes / 2 ** 20,
        cas: typeof cas === 'number' ? cas : null,
        cached: [s.cachedGraphs, s.graphs],
      };
    } catch (e) {
      card = message(e);
    }
    useApp.setState({ cards: { ...useApp.getState().cards, [ref.id]: card } });
  }
}

/** Settings go into the URL (a link reproduces them) and IndexedDB (the next plain visit). */
function keepSettings(settings: Settings) {
  history.replaceState(null, '', settingsToUrl(settings) + location.hash); // the hash is the page (route)
  saveValue('settings', settings).catch(() => undefined); // the URL still holds them
}

/** Replace the board and keep it in IndexedDB (a failure to store is shown, the board stays). */
function setBoard(board: Board) {
  useApp.setState({ board, boardSaving: useApp.getState().boardSaving + 1 });
  saveBoard(board)
    .catch((e) => useApp.setState({ error: `The board could not be saved in this browser: ${message(e)}` }))
    .finally(() => useApp.setState({ boardSaving: useApp.getState().boardSaving - 1 }));
}

async function restoreBoard() {
  try {
    useApp.setState({ board: await loadBoard() });
  } catch (e) {
    useApp.setState({ error: `The saved board could not be read: ${message(e)}` });
  }
}

/** Generate a sweep's cells column by column (a pack sweep loads each column's pack). */
async function fillSweep(sweep: Sweep, settings: Settings) {
  const { setting, values, seeds } = sweep;
  const rows = seeds.length;
  const { getState: get } = useApp;
  for (let col = 0; col < values.length; col++) {
    // across packs, each column loads its pack and samples unconditionally (classes differ)
    const acrossPacks = setting === 'pack';
    if (acrossPacks) {
      await get().loadPack(values[col] as string, settings.backend);
      if (get().error) break;
    }
    const override = acrossPacks ? { classId: null } : { [setting]: values[col] };
    const column = { ...(acrossPacks ? get().settings! : settings), ...override };
    await sample(
      'Sweep',
      { batch: rows },
      (result) => {
        const board = get().board;
        setBoard({
          ...board,
          sweeps: board.sweeps.map((s) =>
            s.id !== sweep.id
              ? s
              : {
                  ...s,
                  cells: s.cells.map((row, r) =>
                    row.map((cell, c) =>
                      c !== col
                        ? cell
                        : {
                            id: `${sweep.id}-${r}-${c}`,
                            image: result.images[r],
                            tokens: result.tokens[r],
                            settings: { ...column, seed: seeds[r], batch: 1 },
                            className: classNameIn(get().pack, column.classId),
                          },
                    ),
                  ),
                },
          ),
        });
      },
      override,
    );
    if (get().error) break;
  }
}

export const useApp = create<AppState>()((set, get) => ({
  packs: [],
  cards: {},
  pack: null,
  loading: null,
  settings: null,
  busy: false,
  progress: null,
  preview: null,
  samples: [],
  firstImageAt: null,
  sideBySide: false,
  setSideBySide: (on) => set({ sideBySide: on }),
  gpuMemory: null,
  batchPlan: null,
  board: emptyBoard(),
  boardSaving: 0,
  sweeping: null,
  tokenMap: null,
  error: null,

  async init() {
    listenToWorker();
    await restoreBoard();
    try {
      const index = (await (await fetch('models/index.json')).json()) as { default: string; packs: PackRef[] };
      set({ packs: index.packs });
      // a link's settings win; a plain visit resumes where the last one left off
      const link = location.search ? settingsFromUrl(location.search) : null;
      const fromUrl = link ? link.settings : ((await loadValue<Settings>('settings').catch(() => undefined)) ?? {});
      const wanted = fromUrl.pack;
      const known = wanted !== undefined && (index.packs.some((p) => p.id === wanted) || isPackUrl(wanted));
      const backend = fromUrl.backend ?? 'auto';
      let id = known ? wanted : index.default;
      await get().loadPack(id, backend);
      const notes: string[] = [];
      if (wanted !== undefined && !known) {
        notes.push(
          wanted.startsWith(FOLDER)
            ? `The pack folder ${wanted.slice(FOLDER.length)} came from your disk; open it again to use it.`
            : `There is no pack called '${wanted}'.`,
        );
      }
      if (!get().pack && id !== index.default) {
        // a link to a pack that does not load: say why, and open the default pack instead of nothing
        notes.push(`${get().error?.replace(/\.$/, '')}.`);
        id = index.default;
        await get().loadPack(id, backend);
      }
      if (notes.length && get().pack) notes.push(`The default pack, ${index.default}, is open instead.`);
      const loaded = get().pack;
      if (loaded && (loaded.manifest.id === id || isPackUrl(id))) {
        get().update({ ...fromUrl, pack: id });
      }
      if (link?.problems.length) notes.push(describeUrlProblems(link.problems));
      if (notes.length && !(get().error && !get().pack)) set({ error: notes.join(' ') });
      void refreshCards();
    } catch (e) {
      set({ error: `Could not start: ${message(e)}` });
    }
  },

  async loadPack(id, backend) {
    const ref = get().packs.find((p) => p.id === id) ?? (isPackUrl(id) ? { id, path: id } : null);
    const folder = folders.get(id);
    if (!ref && !folder) {
      return set({
        error: id.startsWith(FOLDER)
          ? `The pack folder ${id.slice(FOLDER.length)} was opened from your disk on an earlier visit; open it again.`
          : `There is no pack called '${id}'. Pick one from the list or give the URL of a pack folder.`,
      });
    }
    const start: PackProgress = {
      bytesDone: 0,
      bytes: 0,
      filesDone: 0,
      files: 0,
      fromCache: 0,
      file: 'pack.json',
      origin: 'network',
    };
    set({ busy: true, error: null, loading: { ...start, movedAt: Date.now() } });
    try {
      const pack = await callWorker((w) =>
        w.load(
          folder ?? new URL(ref!.path, location.href).href,
          backend,
          proxy((p: PackProgress) => {
            const last = get().loading;
            set({ loading: { ...p, movedAt: last && last.bytesDone === p.bytesDone ? last.movedAt : Date.now() } });
          }),
        ),
      );
      const settings = fitToPack({ ...packDefaults(pack, id), ...get().settings, pack: id, backend }, pack.manifest);
      set({ pack, settings, tokenMap: null });
      keepSettings(settings);
      if (get().packs.length) void refreshCards();
    } catch (e) {
      set({ error: `Could not load pack '${id}': ${message(e)}` });
    } finally {
      set({ busy: false, loading: null });
    }
  },

  async openFolder(folder) {
    if (!Object.keys(folder.files).length) return;
    const id = `${FOLDER}${folder.name}`;
    folders.set(id, folder);
    await get().loadPack(id, get().settings?.backend ?? 'auto');
  },

  update(patch) {
    const { settings, pack } = get();
    if (!settings || !pack) return;
    const next = fitToPack({ ...settings, ...patch }, pack.manifest);
    set({ settings: next });
    keepSettings(next);
  },

  async generate() {
    const { settings, pack, sideBySide } = get();
    if (!settings || !pack) return;
    let made: Sample[] = [];
    await sample('Generation', { batch: settings.batch }, (result) => {
      made = result.images.map((image, i) => ({
        id: nextSampleId++,
        image,
        tokens: result.tokens[i],
        settings: { ...settings, seed: (settings.seed + i) >>> 0, batch: 1 },
        className: classNameIn(get().pack, settings.classId),
      }));
      set({ samples: [...made, ...get().samples].slice(0, 64) });
      if (get().firstImageAt === null) set({ firstImageAt: performance.now() / 1000 });
    });
    const baselineToo =
      sideBySide && settings.decoder !== 'vq-gpt' && generationPaths(pack.manifest).includes('vq-gpt');
    if (!made.length || !baselineToo) return;
    // the same classes and seeds through the VQ-token GPT, put beside their DiGIT twins
    await sample(
      'The VQ-token GPT',
      { batch: settings.batch },
      (result) => {
        const ids = new Map(made.map((m, i) => [m.id, i]));
        set({
          samples: get().samples.map((s) => {
            const i = ids.get(s.id);
            return i === undefined ? s : { ...s, baseline: { image: result.images[i], tokens: result.tokens[i] } };
          }),
        });
      },
      { decoder: 'vq-gpt' },
    );
  },

  stop() {
    if (currentJob !== null) void callWorker((w) => w.cancel(currentJob!));
  },

  async tokenizeFile(file) {
    const { pack } = get();
    if (!pack) return;
    set({ error: null });
    try {
      const { image, crop } = await fileToRgba(file, pack.manifest.image.size);
      const map = await callWorker((w) => w.tokenize(image));
      const previous = get().tokenMap?.source.url;
      if (previous) URL.revokeObjectURL(previous);
      set({
        tokenMap: {
          image,
          source: { url: URL.createObjectURL(file), crop },
          map,
          reconstructions: {},
          completions: null,
        },
      });
      for (const decoder of pack.manifest.decoders) {
        const picture = await callWorker((w) => w.reconstruct(map.tokens, decoder, get().settings!.seed));
        const current = get().tokenMap;
        if (current?.map !== map) return; // another image was dropped meanwhile
        set({ tokenMap: { ...current, reconstructions: { ...current.reconstructions, [decoder]: picture } } });
      }
    } catch (e) {
      set({ error: message(e) });
    }
  },

  async completeFromPrefix(rows, count, noiseDb = null) {
    const { pack, tokenMap, settings } = get();
    if (!pack || !tokenMap || !settings) return;
    const keep = rows * pack.manifest.grid.w;
    const withVq = generationPaths(pack.manifest).includes('vq-gpt') && 'vq_encoder' in pack.manifest.graphs;
    let clean: { digit: number[]; vq: number[] | null };
    let read: { digit: number[]; vq: number[] | null };
    try {
      const perturbed = (p: Perturbation) => callWorker((w) => w.perturbedTokens(tokenMap.image, p, settings.seed));
      clean = withVq ? await perturbed({ kind: 'none' }) : { digit: tokenMap.map.tokens, vq: null };
      read = noiseDb === null ? clean : await perturbed({ kind: 'noise', snrDb: noiseDb });
    } catch (e) {
      set({ error: `Completion failed: ${message(e)}` });
      return;
    }
    const changed = (a: number[], b: number[]) => a.slice(0, keep).filter((t, i) => t !== b[i]).length;
    const row = (result: GenerateResult, tokens: number[], cleanTokens: number[]): CompletionRow => ({
      images: result.images,
      tokens: result.tokens,
      prefixChanged: changed(tokens, cleanTokens),
    });
    const made: { digit?: CompletionRow; vq?: CompletionRow } = {};
    await sample('Completion', { batch: count, prefix: read.digit.slice(0, keep) }, (result) => {
      made.digit = row(result, read.digit, clean.digit);
    });
    if (made.digit && withVq && read.vq && clean.vq) {
      const [vqRead, vqClean] = [read.vq, clean.vq];
      const prefix = vqRead.slice(0, keep);
      await sample('Completion', { batch: count, prefix }, (r) => (made.vq = row(r, vqRead, vqClean)), {
        decoder: 'vq-gpt',
      });
    }
    const current = get().tokenMap;
    if (!made.digit || current?.map !== tokenMap.map) return; // stopped, failed, or another image came
    set({ tokenMap: { ...current, completions: { rows, noiseDb, digit: made.digit, vq: made.vq ?? null } } });
  },

  pin(sample) {
    const pin: Pin = {
      id: `pin-${sample.id}-${Date.now()}`,
      image: sample.image,
      tokens: sample.tokens,
      settings: sample.settings,
      className: sample.className,
    };
    setBoard({ ...get().board, pins: [...get().board.pins, pin] });
  },

  unpin(id) {
    setBoard({ ...get().board, pins: get().board.pins.filter((p) => p.id !== id) });
  },

  clearBoard() {
    setBoard(emptyBoard());
  },

  async sweep(setting, values, rows) {
    const { settings, tokenMap } = get();
    if (!settings || get().busy || values.length === 0) return;
    const seeds = Array.from({ length: rows }, (_, i) => (settings.seed + i) >>> 0);
    const sweep: Sweep = {
      id: `sweep-${Date.now()}`,
      setting,
      values,
      seeds,
      cells: seeds.map(() => values.map(() => null)),
    };
    setBoard({ ...get().board, sweeps: [...get().board.sweeps, sweep] });
    set({ sweeping: sweep.id });
    try {
      await fillSweep(sweep, settings);
    } finally {
      set({ sweeping: null });
    }
    if (setting === 'pack') {
      // back to the pack, settings and token map the sweep started from
      if (get().settings?.pack !== settings.pack) await get().loadPack(settings.pack, settings.backend);
      get().update(settings);
      if (get().settings?.pack === settings.pack) set({ tokenMap });
    }
  },

  removeSweep(id) {
    setBoard({ ...get().board, sweeps: get().board.sweeps.filter((s) => s.id !== id) });
  },

  async importBoard(file) {
    try {
      setBoard(boardFromJson(await file.text()));
      set({ error: null });
    } catch (e) {
      set({ error: `Could not import ${file.name}: ${message(e)}. The board is unchanged.` });
    }
  },

  async clearPackCache() {
    await callWorker((w) => w.clearCache()).catch((e) => set({ error: `Could not clear the cache: ${message(e)}` }));
    await refreshCards();
  },

  dismissError: () => set({ error: null }),
}));
