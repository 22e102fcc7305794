// How many random cases each law runs; `npm run laws:deep` raises it through the environment.
export const LAW_RUNS = Number(process.env.WENGERT_LAW_RUNS ?? 50)
