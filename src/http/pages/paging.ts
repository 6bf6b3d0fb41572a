// Paging shared by the dashboard and the public overview: the page a query asks for, the page that
// is once the count is known (one past the last shows the last), and the links around it.

const MAX_PAGE = 100_000;

/** `?page=` as sent; anything that is not a small positive whole number is page 1. */
export function parsePage(raw: unknown): number {
  return typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Math.min(MAX_PAGE, Math.max(1, Number(raw))) : 1;
}

export interface Page {
  readonly number: number;
  readonly pages: number;
  readonly size: number;
}

/** The page `requested` of `count` items, `size` a page, and where its items start and end. */
export function pageOf(count: number, requested: number, size: number): Page & { readonly start: number; readonly end: number } {
  const pages = Math.max(1, Math.ceil(count / size));
  const number = Math.min(requested, pages);
  return { number, pages, size, start: (number - 1) * size, end: number * size };
}

export interface PageLinks {
  /** 1-based positions of the first and last item shown; 0 and 0 when none is. */
  readonly from: number;
  readonly to: number;
  readonly prev: string | null;
  readonly next: string | null;
}

export function pageLinks(page: Page, shown: number, href: (page: number) => string): PageLinks {
  const first = (page.number - 1) * page.size;
  return {
    from: shown === 0 ? 0 : first + 1,
    to: shown === 0 ? 0 : first + shown,
    prev: page.number > 1 ? href(page.number - 1) : null,
    next: page.number < page.pages ? href(page.number + 1) : null,
  };
}
