import { useEffect, useState } from 'react';

/** The run's image as a loaded HTMLImageElement (null until it has loaded). */
export function useImage(url: string | null): HTMLImageElement | null {
  const [loaded, setLoaded] = useState<{ url: string; img: HTMLImageElement } | null>(null);
  useEffect(() => {
    if (!url) return;
    const img = new Image();
    img.onload = () => setLoaded({ url, img });
    img.src = url;
  }, [url]);
  return loaded && loaded.url === url ? loaded.img : null;
}
