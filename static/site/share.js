// The share button on a news page. Without JavaScript (or without the Web Share API) it is a plain WhatsApp link;
// where the phone can share natively, it opens the phone's own share sheet instead, which includes WhatsApp.
const link = document.querySelector('a.share[data-share-url]');

if (link && typeof navigator.share === 'function') {
  const data = {title: link.dataset.shareTitle, url: link.dataset.shareUrl};
  if (!navigator.canShare || navigator.canShare(data)) {
    link.textContent = 'Bagikan';
    link.addEventListener('click', async (event) => {
      event.preventDefault();
      try {
        await navigator.share(data);
      } catch (error) {
        // The reader closed the share sheet: nothing to do. Any other failure: the WhatsApp link still works.
        if (error.name !== 'AbortError') window.location.href = link.href;
      }
    });
  }
}
